// Load the twilio-jwt WebAssembly example in Node's WebAssembly engine, mint an access token
// and print it on stdout (one line, nothing else).
//
//   node examples/wasm/run.mjs [path/to/module.wasm]
//
// Inputs come from the environment, with test defaults: TWILIO_ACCOUNT_SID, TWILIO_API_KEY,
// TWILIO_API_SECRET, JWT_IDENTITY, JWT_ROOM, JWT_CHAT_SERVICE_SID, JWT_NOW (unix seconds;
// defaults to the current time).

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmPath =
  process.argv[2] ??
  path.join(here, "target/wasm32-unknown-unknown/release/twilio_jwt_wasm_example.wasm");

const env = process.env;
const inputs = [
  env.TWILIO_ACCOUNT_SID ?? "AC00000000000000000000000000000000",
  env.TWILIO_API_KEY ?? "SK00000000000000000000000000000000",
  env.TWILIO_API_SECRET ?? "wasm-example-secret",
  env.JWT_IDENTITY ?? "alice",
  env.JWT_ROOM ?? "demo",
  env.JWT_CHAT_SERVICE_SID ?? "",
];
const now = BigInt(env.JWT_NOW ?? Math.floor(Date.now() / 1000));

const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {});
const { memory, input_ptr, input_cap, output_ptr, mint } = instance.exports;

const encoder = new TextEncoder();
const encoded = inputs.map((s) => encoder.encode(s));
const total = encoded.reduce((n, b) => n + b.length, 0);
if (total > input_cap()) {
  console.error(`inputs are ${total} bytes; the module's input buffer holds ${input_cap()}`);
  process.exit(1);
}
// Views are taken after instantiation and nothing below grows the memory, so they stay valid.
const input = new Uint8Array(memory.buffer, input_ptr(), input_cap());
let offset = 0;
for (const bytes of encoded) {
  input.set(bytes, offset);
  offset += bytes.length;
}

const len = mint(now, ...encoded.map((b) => b.length));
if (len < 0) {
  const why = { [-1]: "bad input", [-2]: "output buffer too small", [-3]: "minting error" };
  console.error(`mint failed: ${len} (${why[len] ?? "unknown"})`);
  process.exit(1);
}
const token = new TextDecoder().decode(new Uint8Array(memory.buffer, output_ptr(), len));
console.log(token);
