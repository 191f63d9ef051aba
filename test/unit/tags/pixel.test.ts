// The pixel tag type: the URL it requests is the template filled with URI-encoded values and resolved as
// `new URL(url, location.href)` would; an absolute template of plain ASCII is passed on without parsing (the
// request parses it the same way), anything else is resolved first.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TagOf } from '../../../src/container/schema';
import pixel from '../../../src/tags/pixel/index';
import type { TagContext } from '../../../src/tags/plugin';
import { type EventContext, getVariable } from '../../../src/triggers/variables';

const page = { url: location.href, path: '/', hostname: location.hostname, referrer: '', title: '' };
const ev = (v: unknown): EventContext => ({ name: 'purchase', id: 'e1', time: 1, model: { v }, page });
const ctx = { vars: (e: EventContext) => (n: string) => getVariable(n, e) } as TagContext;
const tag = (url: string, transport: 'image' | 'beacon' = 'image') =>
  ({
    id: 'px',
    name: 'px',
    vendor: { name: 'V' },
    category: 'analytics',
    triggers: [{ event: '*' }],
    storage: [],
    type: 'pixel',
    settings: { url, transport },
  }) as TagOf<'pixel'>;

afterEach(() => vi.restoreAllMocks());

/** The src each image got while `fn` ran. */
function srcs(fn: () => void) {
  const set = vi.spyOn(HTMLImageElement.prototype, 'src', 'set').mockImplementation(() => {});
  fn();
  const out = set.mock.calls.map(([v]) => v);
  set.mockRestore();
  return out;
}

describe('pixel', () => {
  it('a path template stays on the page origin: an empty value after its leading / cannot name a host', () => {
    const template = '/{{dl.v}}/collect?e={{event}}';
    const requested = srcs(() =>
      expect(() => pixel.fire(tag(template), ev(''), ctx)).toThrow(/rendered as another origin/),
    );
    expect(requested).toEqual([]);
    expect(srcs(() => pixel.fire(tag(template), ev('sv'), ctx))).toEqual([
      `${location.origin}/sv/collect?e=purchase`,
    ]);
  });

  it('requests the filled template, each value encoded, the same URL new URL() gives', () => {
    const cases: [string, unknown, string][] = [
      ['https://px.example/t?v={{dl.v}}&e={{event}}', 'a b&c', 'https://px.example/t?v=a%20b%26c&e=purchase'],
      ['https://PX.example:443/./t?v={{dl.v}}', 1, 'https://px.example/t?v=1'],
      ['/collect/pixel?v={{dl.v}}', 2, `${location.origin}/collect/pixel?v=2`],
      ['https://px.example/\u00e4?v={{dl.v}}', 3, 'https://px.example/%C3%A4?v=3'],
      ['https://px.example/a\\b?v={{ dl.v }}', 4, 'https://px.example/a/b?v=4'],
    ];
    for (const [template, v, want] of cases) {
      const [src] = srcs(() => pixel.fire(tag(template), ev(v), ctx));
      expect(new URL(src!, location.href).href).toBe(want);
    }
    // The common case is not parsed: the rendered string itself.
    expect(srcs(() => pixel.fire(tag('https://px.example/t?v={{dl.v}}'), ev(5), ctx))).toEqual([
      'https://px.example/t?v=5',
    ]);
  });

  it('renders a cached template afresh for every event', () => {
    const t = tag('https://px.example/t?v={{dl.v}}');
    const fire = () => {
      for (const v of [1, 2, 3]) pixel.fire(t, ev(v), ctx);
    };
    expect(srcs(fire)).toEqual([1, 2, 3].map((v) => `https://px.example/t?v=${v}`));
  });

  it('sends a beacon to the resolved URL, and throws when the browser refuses it', () => {
    const beacon = vi.fn(() => true);
    vi.stubGlobal('navigator', { ...navigator, sendBeacon: beacon });
    pixel.fire(tag('/b?v={{dl.v}}', 'beacon'), ev(1), ctx);
    pixel.fire(tag('https://px.example/b?v={{dl.v}}', 'beacon'), ev(2), ctx);
    expect(beacon.mock.calls).toEqual([[`${location.origin}/b?v=1`], ['https://px.example/b?v=2']]);
    beacon.mockReturnValue(false);
    expect(() => pixel.fire(tag('/b', 'beacon'), ev(1), ctx)).toThrow(/refused/);
    vi.unstubAllGlobals();
  });
});
