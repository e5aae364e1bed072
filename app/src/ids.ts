// Random ids for new nodes (`n-xxxxxxxx`) and edges (`e-xxxxxxxx`).
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomSuffix(length = 8): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

export function newNodeId(): string {
  return `n-${randomSuffix()}`;
}

export function newEdgeId(): string {
  return `e-${randomSuffix()}`;
}
