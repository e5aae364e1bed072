// What the palette lists: node types filtered by a search and grouped by category, known categories first.
import type { NodeTypeInfo } from "../../shared/status.ts";

/** The categories every hub has, in palette order, with their titles. */
export const KNOWN_CATEGORIES: readonly { id: string; title: string }[] = [
  { id: "source", title: "Sources" },
  { id: "processing", title: "Processing" },
  { id: "sink", title: "Sinks" },
];

export interface PaletteGroup {
  category: string;
  title: string;
  types: NodeTypeInfo[];
}

/** The CSS class suffix of a category: a known one's own id, `other` for a plugin's category. */
export function categoryClass(category: string | undefined): string {
  if (category === undefined) return "unknown";
  return KNOWN_CATEGORIES.some((c) => c.id === category) ? category : "other";
}

/**
 * A category's title: a known one's ("Sources"), else its words with a capital ("machine-learning" →
 * "Machine learning"); a word of one or two letters reads as an abbreviation ("ml" → "ML", "io" → "IO").
 */
export function categoryTitle(category: string): string {
  const known = KNOWN_CATEGORIES.find((c) => c.id === category);
  if (known) return known.title;
  const words = category
    .split(/[\s_-]+/)
    .filter((w) => w !== "")
    .map((w) => (w.length <= 2 ? w.toUpperCase() : w));
  const text = words.join(" ");
  return text === "" ? "Other" : `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/**
 * Whether a type matches the search: every word of `query` (case-insensitive) appears in its title, type
 * name or description; an empty query matches everything.
 */
export function matchesQuery(def: Pick<NodeTypeInfo, "title" | "type" | "description">, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = `${def.title}\n${def.type}\n${def.description}`.toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/**
 * The palette's groups for `query`: Sources, Processing, Sinks, then other categories by title; types by
 * title (then type name) within a group; groups left empty by the search are left out.
 */
export function paletteGroups(types: readonly NodeTypeInfo[], query = ""): PaletteGroup[] {
  const byCategory = new Map<string, NodeTypeInfo[]>();
  for (const def of types) {
    if (!matchesQuery(def, query)) continue;
    const list = byCategory.get(def.category);
    if (list) list.push(def);
    else byCategory.set(def.category, [def]);
  }
  const rank = (category: string) => {
    const index = KNOWN_CATEGORIES.findIndex((c) => c.id === category);
    return index === -1 ? KNOWN_CATEGORIES.length : index;
  };
  return [...byCategory.entries()]
    .map(([category, list]) => ({
      category,
      title: categoryTitle(category),
      types: list.sort((a, b) => compareText(a.title, b.title) || compareText(a.type, b.type)),
    }))
    .sort(
      (a, b) =>
        rank(a.category) - rank(b.category) || compareText(a.title, b.title) || compareText(a.category, b.category),
    );
}

/** One collator for every comparison: localeCompare with options builds one per call, tens of ms per palette. */
const collator = new Intl.Collator("en", { sensitivity: "base" });

function compareText(a: string, b: string): number {
  return collator.compare(a, b);
}
