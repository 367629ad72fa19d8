/**
 * Messages of browser mode's WebSocket, for any reply or event: a message without typed arrays is
 * one text frame of JSON; one with typed arrays (a viewer's volume) is one binary frame, so that no
 * channel is special:
 *
 *   u32 LE header length | header JSON (padded to 8 bytes) | each array's bytes (each padded to 8)
 *
 * The header holds the message with every typed array replaced by null, and where each array
 * goes back: its path in the message, its type and its byte range. Each decoded array gets a
 * buffer of its own (a library may transfer or keep an array's whole buffer). Pure TypeScript
 * (the renderer decodes, the server encodes).
 */

const TYPES = {
  Float32Array,
  Float64Array,
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
} as const;
type TypeName = keyof typeof TYPES;
type Typed = InstanceType<(typeof TYPES)[TypeName]>;

interface Placed {
  path: (string | number)[];
  type: TypeName;
  offset: number;
  length: number;
}

const pad8 = (n: number) => (n + 7) & ~7;

function typeName(v: ArrayBufferView): TypeName | undefined {
  const name = v.constructor.name;
  return Object.hasOwn(TYPES, name) ? (name as TypeName) : undefined;
}

/** Copies plain data, taking typed arrays out (replaced by null) into `arrays`. */
function strip(value: unknown, at: (string | number)[], arrays: { path: (string | number)[]; data: Typed }[]): unknown {
  if (ArrayBuffer.isView(value)) {
    const type = typeName(value);
    if (!type) throw new Error(`cannot send a ${value.constructor.name}`);
    arrays.push({ path: at, data: value as Typed });
    return null;
  }
  if (Array.isArray(value)) return value.map((v, i) => strip(v, [...at, i], arrays));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = strip(v, [...at, k], arrays);
    return out;
  }
  return value;
}

/** Whether a value holds a typed array anywhere (checked before the copy, which most replies skip). */
function holdsTyped(value: unknown): boolean {
  if (ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) return value.some(holdsTyped);
  if (value && typeof value === 'object') return Object.values(value).some(holdsTyped);
  return false;
}

/** A message as one WebSocket frame: text when it holds no typed array, binary otherwise. */
export function encodeMessage(message: unknown): string | Uint8Array {
  if (!holdsTyped(message)) return JSON.stringify(message);
  const arrays: { path: (string | number)[]; data: Typed }[] = [];
  const body = strip(message, [], arrays);
  const placed: Placed[] = [];
  let offset = 0;
  for (const a of arrays) {
    placed.push({ path: a.path, type: typeName(a.data)!, offset, length: a.data.length });
    offset = pad8(offset + a.data.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ message: body, arrays: placed }));
  const start = pad8(4 + header.length);
  const out = new Uint8Array(start + offset);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  arrays.forEach((a, i) => out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), start + placed[i].offset));
  return out;
}

/** The message of a frame from encodeMessage, its typed arrays restored. */
export function decodeMessage(frame: string | ArrayBuffer): unknown {
  if (typeof frame === 'string') return JSON.parse(frame);
  const headerLength = new DataView(frame).getUint32(0, true);
  const { message, arrays } = JSON.parse(new TextDecoder().decode(new Uint8Array(frame, 4, headerLength))) as {
    message: unknown;
    arrays: Placed[];
  };
  const start = pad8(4 + headerLength);
  let root = message;
  for (const a of arrays) {
    const Ctor = TYPES[a.type];
    if (!Object.hasOwn(TYPES, a.type)) throw new Error(`unknown array type ${a.type}`);
    if (a.path.some((k) => k === '__proto__' || k === 'constructor' || k === 'prototype')) throw new Error('bad array path');
    const from = start + a.offset;
    const data = new Ctor(frame.slice(from, from + a.length * Ctor.BYTES_PER_ELEMENT));
    if (a.path.length === 0) {
      root = data;
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (const k of a.path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    parent[a.path[a.path.length - 1]] = data;
  }
  return root;
}
