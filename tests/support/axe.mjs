// axe-core with the WCAG tags of ACCESSIBILITY.md; a violation fails the test
// with its rule, target and help text.
import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';

export async function assertNoAxeViolations(page, label) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const found = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  assert.deepEqual(found, [], `axe violations on ${label}`);
}
