import { escapeHtml, isEmailAddress, normaliseEmail } from '../email';

describe('the one email address check', () => {
  it.each(['ada@example.com', 'a.b+tag@mail.example.co.uk', 'x@y.io'])('accepts %s', (email) => {
    expect(isEmailAddress(email)).toBe(true);
  });

  it.each([
    ['no domain', 'ada@'],
    ['no dot in the domain', 'ada@example'],
    ['a space', 'ada lovelace@example.com'],
    ['two @', 'ada@home@example.com'],
    ['a header-breaking quote', '"ada"@example.com'],
    ['a comma', 'ada,bob@example.com'],
    ['angle brackets', '<ada@example.com>'],
    ['an empty label', 'ada@example..com'],
    ['more than 254 characters', `${'a'.repeat(250)}@example.com`],
  ])('refuses an address with %s', (_, email) => {
    expect(isEmailAddress(email)).toBe(false);
  });

  it('normalises by trimming and lower-casing', () => {
    expect(normaliseEmail('  Ada@Example.COM ')).toBe('ada@example.com');
  });
});

describe('escapeHtml', () => {
  it('escapes every markup character', () => {
    expect(escapeHtml(`<b class="x">Tom & Jerry's</b>`)).toBe(
      '&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;',
    );
  });
});
