// Writes Yjs updates (format V1) by hand, for gate tests of updates no Yjs client would produce.
import * as encoding from "lib0/encoding";

export type Ref = [client: number, clock: number];

export interface CraftedItem {
  origin?: Ref;
  right?: Ref;
  /** Where the item goes when it has no neighbours: a root type's name, or the item holding its type. */
  parent?: { root: string } | { id: Ref };
  /** Its key in a map. */
  key?: string;
  content: { any: unknown[] } | { text: string } | { type: "map" | "array" | "text" } | { deleted: number };
}

const TYPE_REFS = { array: 0, map: 1, text: 2 } as const;

/** An update of `runs` ([client, first clock, items]) and a delete set ([client, [[clock, length]]]). */
export function craftUpdate(
  runs: Array<[number, number, CraftedItem[]]>,
  deletes: Array<[number, Ref[]]> = [],
): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, runs.length);
  for (const [client, clock, items] of runs) {
    encoding.writeVarUint(e, items.length);
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
    for (const item of items) writeItem(e, item);
  }
  encoding.writeVarUint(e, deletes.length);
  for (const [client, ranges] of deletes) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, ranges.length);
    for (const [clock, len] of ranges) {
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, len);
    }
  }
  return encoding.toUint8Array(e);
}

function writeItem(e: encoding.Encoder, item: CraftedItem): void {
  const c = item.content;
  const ref = "any" in c ? 8 : "text" in c ? 4 : "type" in c ? 7 : 1;
  const info = ref | (item.origin ? 0x80 : 0) | (item.right ? 0x40 : 0) | (item.key !== undefined ? 0x20 : 0);
  encoding.writeUint8(e, info);
  if (item.origin) writeRef(e, item.origin);
  if (item.right) writeRef(e, item.right);
  if (!item.origin && !item.right) {
    const parent = item.parent ?? { root: "meta" };
    if ("root" in parent) {
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, parent.root);
    } else {
      encoding.writeVarUint(e, 0);
      writeRef(e, parent.id);
    }
    if (item.key !== undefined) encoding.writeVarString(e, item.key);
  }
  if ("any" in c) {
    encoding.writeVarUint(e, c.any.length);
    for (const v of c.any) encoding.writeAny(e, v as never);
  } else if ("text" in c) encoding.writeVarString(e, c.text);
  else if ("type" in c) encoding.writeVarUint(e, TYPE_REFS[c.type]);
  else encoding.writeVarUint(e, c.deleted);
}

function writeRef(e: encoding.Encoder, [client, clock]: Ref): void {
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, clock);
}
