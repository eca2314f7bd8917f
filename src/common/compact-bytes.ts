/**
 * Values that own exactly their bytes, for whatever is kept for long: the key store's cache, the
 * simulator's Signal sessions. A Buffer Baileys or libsignal hands over is often a view into a much
 * larger one (a privacy token or a ratchet key cut from a whole decoded frame of 64 KiB), and a
 * Buffer decoded from base64 is a view into an 8 KiB pool slab; kept for long, each view keeps all
 * of its backing memory alive. This is what made `external` memory climb under steady traffic
 * (issue 32). Byte arrays that already own their memory are kept as they are; plain objects and
 * arrays are copied, class instances (protobuf messages, libsignal records) keep their identity and
 * have their fields replaced in place.
 */
export function compactBytes<T>(value: T): T {
  return compact(value, 0) as T;
}

function compact(value: unknown, depth: number): unknown {
  if (value instanceof Uint8Array) {
    if (value.byteOffset === 0 && value.buffer.byteLength === value.byteLength) return value;
    const copy = Buffer.allocUnsafeSlow(value.byteLength);
    copy.set(value);
    return copy;
  }
  if (value === null || typeof value !== 'object' || depth > 16) return value;
  if (Array.isArray(value)) return value.map((item) => compact(item, depth + 1));
  const plain = Object.getPrototypeOf(value) === Object.prototype;
  // Class instances (protobuf messages) keep their identity: their fields are replaced in place.
  const target: Record<string, unknown> = plain ? {} : (value as Record<string, unknown>);
  for (const [key, field] of Object.entries(value)) target[key] = compact(field, depth + 1);
  return target;
}
