/**
 * DOM access that named elements cannot hijack: `<img name="cookie">`, `<form name="head">` or
 * `<img name="querySelectorAll">` shadow `document`'s own properties, so the runtime takes its
 * methods and accessors from the prototypes once, when it loads.
 */

const D = Document.prototype;
const getter = (name: string) => Object.getOwnPropertyDescriptor(D, name)!;
const cookieProp = getter('cookie');
const headProp = getter('head');
const qsa = D.querySelectorAll;
const create = D.createElement;

/** `document.cookie`, read through Document.prototype. */
export const readCookies = (): string => cookieProp.get!.call(document) as string;
/** `document.cookie = value`, through Document.prototype. */
export const writeCookie = (value: string): void => {
  cookieProp.set!.call(document, value);
};
/** `document.querySelectorAll(selector)`, through Document.prototype. */
export const queryAll = <E extends Element = Element>(selector: string): E[] => [
  ...(qsa.call(document, selector) as NodeListOf<E>),
];
/** `document.head`, through Document.prototype. */
export const head = (): HTMLHeadElement => headProp.get!.call(document) as HTMLHeadElement;
/** `document.createElement(tag)`, through Document.prototype. */
export const createElement = <K extends keyof HTMLElementTagNameMap>(tag: K): HTMLElementTagNameMap[K] =>
  create.call(document, tag) as HTMLElementTagNameMap[K];
