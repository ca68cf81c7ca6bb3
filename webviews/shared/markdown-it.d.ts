// The slice of markdown-it 14 the webviews use (it ships no types of its own).
declare module 'markdown-it' {
  interface Options {
    html?: boolean;
    linkify?: boolean;
    breaks?: boolean;
    typographer?: boolean;
  }
  export default class MarkdownIt {
    constructor(options?: Options);
    render(src: string): string;
  }
}
