import pkg from '../../package.json';

export const SERVER_VERSION: string = pkg.version;
export const REQUIRED_NODE: string = pkg.engines.node;
