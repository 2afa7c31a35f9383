"""Basic accessibility checks run inside the page: labels, names, tap targets, contrast.

``await assert_accessible(page)`` after a page has loaded fails with one line per problem:

- every visible input, select and textarea has a label (``<label>``, aria-label(ledby), title);
- every visible button, link, ``role="button"`` and ``.button`` has an accessible name, and
  every such tap target is at least 44×44 CSS px — except links inline in running text
  (WCAG 2.5.8's inline exception); a checkbox or radio is measured by its enclosing label;
- the page has ``<meta name="viewport" content="width=device-width, ...">`` (without it a
  phone lays the page out 980 px wide and shrinks it) and does not forbid zooming;
- visible text has a contrast ratio against its background of at least 4.5:1, or 3:1 for
  large text (≥ 24 px, or ≥ 18.66 px bold), as WCAG 2.x AA asks.

The names follow the common cases of the accessible-name computation (aria-labelledby,
aria-label, labels, text, value, alt, title), not every corner of it. Colours are read through
a canvas, so any CSS colour syntax works; a background image makes contrast unknowable and
skips the text on it.
"""

from __future__ import annotations

from playwright.async_api import Page

MIN_TARGET_PX = 44
MIN_CONTRAST = 4.5
MIN_CONTRAST_LARGE = 3.0

_COMMON_JS = """
const visible = (el) => {
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
};
const describe = (el) => {
  let d = el.tagName.toLowerCase();
  if (el.id) d += '#' + el.id;
  if (el.classList.length) d += '.' + [...el.classList].join('.');
  const text = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
  return text ? `${d} "${text}"` : d;
};
const byIds = (ids) => ids.split(/\\s+/).map((id) => document.getElementById(id))
  .filter(Boolean).map((n) => n.textContent).join(' ').trim();
const accessibleName = (el) => {
  const labelledby = el.getAttribute('aria-labelledby');
  if (labelledby && byIds(labelledby)) return byIds(labelledby);
  const aria = (el.getAttribute('aria-label') || '').trim();
  if (aria) return aria;
  const labels = el.labels ? [...el.labels].map((l) => l.innerText.trim()).join(' ') : '';
  if (labels.trim()) return labels.trim();
  if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type))
    return (el.value || '').trim();
  if (el.tagName === 'INPUT' && el.type === 'image') return (el.alt || '').trim();
  if (!['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) {
    const text = (el.innerText || '').trim();
    if (text) return text;
    const alts = [...el.querySelectorAll('img[alt], svg[aria-label]')]
      .map((i) => (i.getAttribute('alt') || i.getAttribute('aria-label') || '').trim())
      .join(' ').trim();
    if (alts) return alts;
  }
  return (el.getAttribute('title') || '').trim();
};
"""

_LABELS_JS = (
    "() => {"
    + _COMMON_JS
    + """
  const skip = ['hidden', 'submit', 'button', 'reset', 'image'];
  return [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !(el.tagName === 'INPUT' && skip.includes(el.type)))
    .filter((el) => visible(el) || (el.labels && [...el.labels].some(visible)))
    .filter((el) => !accessibleName(el))
    .map((el) => `no label: ${describe(el)}${el.name ? ' name=' + el.name : ''}`);
}"""
)

_TARGETS_JS = (
    "(min) => {"
    + _COMMON_JS
    + """
  const problems = [];
  const inRunningText = (a) => {
    if (getComputedStyle(a).display !== 'inline') return false;
    const block = a.parentElement;
    if (!block) return false;
    const own = (a.innerText || '').trim();
    const around = (block.innerText || '').replace(own, '').trim();
    return around.length > 0;
  };
  const selector = 'button, a[href], [role="button"], .button, input[type="submit"], '
    + 'input[type="button"], input[type="reset"], input[type="image"], '
    + 'input[type="checkbox"], input[type="radio"], summary';
  for (const el of document.querySelectorAll(selector)) {
    const toggle = el.tagName === 'INPUT' && ['checkbox', 'radio'].includes(el.type);
    const target = toggle ? (el.closest('label') || el) : el;
    if (!visible(target)) continue;
    if (!toggle && !accessibleName(el)) problems.push(`no accessible name: ${describe(el)}`);
    if (el.tagName === 'A' && inRunningText(el)) continue;
    const r = target.getBoundingClientRect();
    if (r.width < min - 0.01 || r.height < min - 0.01)
      problems.push(`tap target ${r.width.toFixed(1)}x${r.height.toFixed(1)} px `
        + `< ${min}x${min}: ${describe(target)}`);
  }
  return problems;
}"""
)

_CONTRAST_JS = (
    "([normal, large]) => {"
    + _COMMON_JS
    + """
  const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  ctx.canvas.width = ctx.canvas.height = 1;
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  // The opaque colour behind an element: blend the ancestors' backgrounds over white.
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.backgroundImage && s.backgroundImage !== 'none') return null;
      const c = rgba(s.backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255, 1]);
  };
  const luminance = ([r, g, b]) => {
    const lin = (v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const hex = (c) => '#' + c.slice(0, 3)
    .map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!el || seen.has(el) || !t.textContent.trim()) continue;
    seen.add(el);
    if (!visible(el) || el.closest('[disabled], [aria-disabled="true"], [aria-hidden="true"]'))
      continue;
    const bg = background(el);
    if (bg === null) continue;
    const s = getComputedStyle(el);
    const fg = over(rgba(s.color), bg);
    const size = parseFloat(s.fontSize);
    const bold = parseInt(s.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? large : normal;
    const got = ratio(fg, bg);
    if (got < needed)
      problems.push(`contrast ${got.toFixed(2)}:1 < ${needed}:1 (${hex(fg)} on ${hex(bg)}, `
        + `${size}px): ${describe(el)}`);
  }
  return problems;
}"""
)


_VIEWPORT_JS = """() => {
  const meta = document.querySelector('meta[name="viewport"]');
  if (!meta) return ['no <meta name="viewport">: phones lay the page out 980 px wide'];
  const content = (meta.getAttribute('content') || '').replace(/\\s+/g, '').toLowerCase();
  const problems = [];
  if (!content.includes('width=device-width'))
    problems.push(`viewport "${content}" lacks width=device-width`);
  const max = /maximum-scale=([\\d.]+)/.exec(content);
  if (content.includes('user-scalable=no') || content.includes('user-scalable=0')
      || (max && parseFloat(max[1]) < 2))
    problems.push(`viewport "${content}" stops people from zooming`);
  return problems;
}"""


async def viewport_problems(page: Page) -> list[str]:
    """A missing or zoom-blocking viewport meta tag."""
    problems: list[str] = await page.evaluate(_VIEWPORT_JS)
    return problems


async def unlabeled_controls(page: Page) -> list[str]:
    """Visible inputs, selects and textareas without a label."""
    problems: list[str] = await page.evaluate(_LABELS_JS)
    return problems


async def target_problems(page: Page, min_px: int = MIN_TARGET_PX) -> list[str]:
    """Buttons and links without an accessible name or smaller than ``min_px`` square."""
    problems: list[str] = await page.evaluate(_TARGETS_JS, min_px)
    return problems


async def contrast_problems(
    page: Page, normal: float = MIN_CONTRAST, large: float = MIN_CONTRAST_LARGE
) -> list[str]:
    """Visible text whose contrast against its background is below WCAG AA."""
    problems: list[str] = await page.evaluate(_CONTRAST_JS, [normal, large])
    return problems


async def problems(page: Page) -> list[str]:
    """Every problem the checks find on the page once it has loaded.

    A locator seeing the new page's text does not mean its stylesheet has arrived: the DOM
    is parsed (and laid out, unstyled) while ``style.css`` is still on the wire, and the
    browser context fetches it anew for every page because Playwright's request routing
    turns the HTTP cache off. Measured then, every button is 21 px tall and hidden fields
    show, so the checks wait for the ``load`` event (stylesheets and scripts in) first.
    """
    await page.wait_for_load_state("load")
    return [
        *await viewport_problems(page),
        *await unlabeled_controls(page),
        *await target_problems(page),
        *await contrast_problems(page),
    ]


async def assert_accessible(page: Page) -> None:
    """Fail with one line per problem when the page breaks any of the basic checks."""
    found = await problems(page)
    assert not found, f"accessibility problems on {page.url}:\n" + "\n".join(found)
