/**
 * The `pixel` tag type: one request per event to a URL built from the tag's template, as an image
 * request (default) or a `sendBeacon`, recorded as fired once the request is issued. Every variable
 * value is URI-encoded, and the template's origin is fixed by the verified container.
 */
import type { TagOf } from '../../container/schema';
import { TagwardenError } from '../../lib/errors';
import { renderUrl } from '../../triggers/template';
import type { TagPlugin } from '../plugin';

const inflight = new Set<HTMLImageElement>();
function settled(this: GlobalEventHandlers) {
  inflight.delete(this as HTMLImageElement);
}
/**
 * An absolute http(s) URL of printable ASCII (no quote, no backslash), which is what a signed container's
 * absolute template gives (its origin is fixed, every value is URI-encoded): the request parses it exactly as
 * `new URL` would, so it is used as it is. Anything else is resolved against the page's URL first.
 */
const PLAIN = /^https?:\/\/[!#-[\]-~]*$/i;

const pixel: TagPlugin<TagOf<'pixel'>> = {
  fire(tag, ev, ctx) {
    const s = renderUrl(tag.settings.url, ctx.vars(ev));
    let url = s;
    if (!PLAIN.test(s)) {
      const u = new URL(s, location.href);
      // A path template stays on the page's origin: an empty value right after its leading `/` would make
      // `//host/…`, a URL of another host.
      if (tag.settings.url[0] === '/' && u.origin !== location.origin)
        throw new TagwardenError('tag/bad-url', 'path rendered as another origin');
      url = u.href;
    }
    if (tag.settings.transport === 'beacon') {
      if (!navigator.sendBeacon(url)) throw new Error('sendBeacon refused');
      return;
    }
    // Fired once the request is issued: the next event need not wait for this answer (a replay of
    // many events stays fast), and request order is still event order. The element is kept until it
    // settles, so that garbage collection cannot cut the request short. No width or height: a detached
    // element's size is never used, and two attributes fewer per event count in a replay of thousands.
    const img = new Image();
    inflight.add(img);
    img.onload = img.onerror = settled;
    img.referrerPolicy = 'strict-origin-when-cross-origin';
    img.src = url;
  },
};

export default pixel;
