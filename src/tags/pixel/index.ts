/**
 * The `pixel` tag type: one request per event to a URL built from the tag's template, as an image
 * request (default) or a `sendBeacon`, recorded as fired once the request is issued. Every variable
 * value is URI-encoded, and the template's origin is fixed by the verified container.
 */
import type { TagOf } from '../../container/schema';
import { renderUrl } from '../../triggers/template';
import type { TagPlugin } from '../plugin';

const inflight = new Set<HTMLImageElement>();

const pixel: TagPlugin<TagOf<'pixel'>> = {
  fire(tag, ev, ctx) {
    const url = new URL(renderUrl(tag.settings.url, ctx.vars(ev)), location.href).href;
    if (tag.settings.transport === 'beacon') {
      if (!navigator.sendBeacon(url)) throw new Error('sendBeacon refused');
      return;
    }
    // Fired once the request is issued: the next event need not wait for this answer (a replay of
    // many events stays fast), and request order is still event order. The element is kept until it
    // settles, so that garbage collection cannot cut the request short.
    const img = new Image(1, 1);
    inflight.add(img);
    img.onload = img.onerror = () => inflight.delete(img);
    img.referrerPolicy = 'strict-origin-when-cross-origin';
    img.src = url;
  },
};

export default pixel;
