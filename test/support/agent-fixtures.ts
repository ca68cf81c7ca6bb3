/**
 * Fixture repos and scripted model answers for the agent tests: a tiny node project with a failing test
 * (`node test.js`, no install needed) and SEARCH/REPLACE answers as a model would write them.
 */
import { tempWorkspace, type TempWorkspace } from './paths';

export const BUGGY_DISCOUNT = `// Price after a percentage discount.
function discount(price, percent) {
  return price - percent;
}

module.exports = { discount };
`;

export const DISCOUNT_TEST = `const assert = require('node:assert');
const { discount } = require('./discount');

assert.strictEqual(discount(200, 10), 180);
assert.strictEqual(discount(50, 0), 50);
console.log('discount tests passed');
`;

export function discountRepo(opts: { spec?: string | false; packageTest?: string } = {}): TempWorkspace {
  const ws = tempWorkspace('nootropic-agents-');
  ws.write('discount.js', BUGGY_DISCOUNT);
  ws.write('test.js', DISCOUNT_TEST);
  if (opts.spec !== false)
    ws.write('project-spec.yaml', opts.spec ?? 'name: shop\ngoals:\n  - discounts are computed correctly\ntests: node test.js\nbudgets:\n  iterations: 4\n');
  if (opts.packageTest) ws.write('package.json', JSON.stringify({ name: 'shop', version: '1.0.0', private: true, scripts: { test: opts.packageTest } }, null, 2));
  return ws;
}

/** A SEARCH/REPLACE answer for one file. */
export function searchReplace(file: string, search: string, replace: string, plan = 'I will change the implementation.'): string {
  return `${plan}\n\n${file}\n\`\`\`js\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\`\n`;
}

/** First try: wrong (treats percent as a fraction). */
export const WRONG_FIX = searchReplace('discount.js', '  return price - percent;', '  return price - price * percent;', 'Apply the percentage to the price.');
/** Second try, after seeing the failing test: right. */
export const RIGHT_FIX = searchReplace('discount.js', '  return price - price * percent;', '  return price - (price * percent) / 100;', 'percent is a percentage, so divide by 100.');
