/**
 * Generates containers/container.schema.json from the zod schema, adding the field documentation
 * below so that a marketer's editor explains and completes every field. Node/CLI only: the
 * documentation strings never reach the browser runtime.
 */
import * as z from 'zod/mini';
import { containerSchema } from './schema';

/** Field documentation keyed by dotted path; `[]` stands for "each item of this array". */
const docs: Record<string, string> = {
  '': 'A tagwarden container: the tags a site runs and the consent that gates them. Publish it signed with `tagwarden sign`.',
  schemaVersion: 'Container format version. This release reads and writes 1.',
  id: 'Container id, e.g. "www-example-se". The snippet may pin it.',
  version:
    'Publication counter: a safe integer above 0, raised on every publish. The runtime refuses a lower one (rollback).',
  expires:
    'UTC timestamp (e.g. "2027-06-01T00:00:00Z") after which the runtime refuses the container. Republish before then.',
  origins:
    'Site origins allowed to run this container, e.g. "https://www.example.se". Scheme, host and port only.',
  consent: 'Consent categories, defaults, storage of the decision, the pre-consent queue and the banner.',
  'consent.revision': 'Policy revision. Raise it to ask every visitor again.',
  'consent.categories': 'Consent categories and marketing purposes, in the order the banner lists them.',
  'consent.categories[].id': 'Category id, e.g. "analytics" or "marketing.advertising".',
  'consent.categories[].label': 'Name shown in the banner, in Swedish and English.',
  'consent.categories[].description': 'What the category is for, shown in the preference centre.',
  'consent.categories[].alwaysOn':
    'Strictly necessary: always granted and not asked for. Use only for what the site cannot work without.',
  'consent.categories[].parent':
    'For a purpose: its parent category. Granting the parent grants all its purposes.',
  'consent.categories[].consentMode':
    'Consent Mode v2 types that together grant this category from gtag("consent", ...) commands.',
  'consent.defaults':
    "Default decisions before the visitor chooses; the entry whose region matches the snippet's data-region wins over one without a region.",
  'consent.defaults[].region': 'ISO 3166-1 alpha-2 or ISO 3166-2 codes, e.g. "SE" or "US-CA".',
  'consent.defaults[].categories':
    'Category id to "granted" or "denied". A denied or unnamed optional category is pending: its events wait for the visitor\'s decision.',
  'consent.gpc': 'Honour Global Privacy Control: marketing defaults to denied when the browser sends it.',
  'consent.cookie': "The first-party cookie that stores the visitor's decision.",
  'consent.cookie.name': 'Cookie name, e.g. "tw_consent".',
  'consent.cookie.maxAgeDays':
    'How long a decision lasts before the visitor is asked again (days, at most 400; 180 is common guidance).',
  'consent.cookie.domain':
    'Cookie domain, e.g. ".example.se" to share the decision across subdomains. Omit for the current host only.',
  'consent.queue':
    'Events that arrive before a decision, kept on the device and replayed once when consent is granted.',
  'consent.queue.storage':
    '"indexeddb" keeps pending events across pages; "memory" keeps them for the current page only.',
  'consent.queue.ttlHours':
    'Pending events older than this are deleted, never replayed (24 is a good value).',
  'consent.queue.maxEntries':
    'Most pending events kept; the oldest are dropped beyond it (500 is a good value).',
  'consent.queue.maxEventBytes': 'Largest pending event kept, in bytes of JSON.',
  'consent.ui':
    'The built-in consent banner and preference centre. Set enabled to false when another consent manager drives the API.',
  'consent.recordEndpoint': 'First-party URL receiving a proof-of-consent record for every decision.',
  'consent.reloadOnWithdrawal':
    'Reload the page when consent is withdrawn for a script that cannot be stopped.',
  tags: 'The tags. Each fires only when its consent category is granted.',
  'tags[].id': 'Tag id, unique in the container.',
  'tags[].name': 'Name shown in the cookie declaration.',
  'tags[].vendor': 'Who receives the data: shown in the preference centre and declaration.',
  'tags[].category': 'Consent category id that must be granted before this tag fires.',
  'tags[].purpose': 'What the tag does, shown in the declaration.',
  'tags[].type': '"pixel", "script", "appinsights" or "personalization".',
  'tags[].triggers': 'When the tag fires: any trigger that matches an event fires it.',
  'tags[].exceptions': 'Blocking triggers: when any matches, the tag does not fire for that event.',
  'tags[].storage':
    'Every cookie, storage item or web beacon the tag uses. Drives the cookie declaration and deletion on withdrawal.',
  'tags[].paused': 'Keep the tag in the container without firing it.',
  'tags[].settings': 'Settings of the tag type.',
};

/** The JSON Schema (draft 2020-12) of a container document, documented for editors. */
export function containerJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(containerSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  schema.$id = 'https://tagwarden.dev/container.schema.json';
  schema.title = 'tagwarden container';
  for (const [path, description] of Object.entries(docs)) {
    const nodes = find(schema, path);
    if (!nodes.length) throw new Error(`schema docs: no field at "${path}"`);
    for (const node of nodes) node.description = description;
  }
  return schema;
}

type Node = Record<string, unknown>;

/** Every schema node at a dotted path: unions (the tag types) yield one node per member. */
function find(root: Node, path: string): Node[] {
  let nodes = [root];
  for (const part of path ? path.split('.') : []) {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    nodes = nodes
      .flatMap((n) => expand(root, n))
      .flatMap((n) => {
        const child = (n.properties as Record<string, Node> | undefined)?.[key];
        if (!child) return [];
        return each ? expand(root, child).flatMap((a) => (a.items ? [a.items as Node] : [])) : [child];
      });
  }
  return nodes.flatMap((n) => expand(root, n));
}

/** Follows `$ref: "#/$defs/x"` and splits `oneOf`/`anyOf` unions into their members. */
function expand(root: Node, node: Node): Node[] {
  if (typeof node.$ref === 'string') {
    return expand(root, (root.$defs as Record<string, Node>)[node.$ref.split('/').pop()!] ?? {});
  }
  const members = (node.oneOf ?? node.anyOf) as Node[] | undefined;
  return members ? members.flatMap((m) => expand(root, m)) : [node];
}
