// Reads a GGUF file with @huggingface/gguf, a parser no one here wrote, and prints what it found as
// JSON: typed metadata, tensor infos and the data offset (64-bit integers as decimal strings).
// Usage: node gguf_independent_check.mjs PACKAGE_DIR FILE.gguf   (PACKAGE_DIR: node_modules/@huggingface/gguf)
import { pathToFileURL } from "node:url";

const [packageDir, file] = process.argv.slice(2);
const { gguf } = await import(pathToFileURL(`${packageDir}/dist/index.mjs`).href);
const { typedMetadata, tensorInfos, tensorDataOffset } = await gguf(file, { allowLocalFile: true, typedMetadata: true });
const out = {
  metadata: Object.fromEntries(
    Object.entries(typedMetadata)
      .filter(([key]) => !["version", "tensor_count", "kv_count"].includes(key))
      .map(([key, v]) => [key, { type: v.type, subType: v.subType ?? null, value: v.value }])),
  tensors: tensorInfos.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype, offset: t.offset })),
  tensorDataOffset,
};
console.log(JSON.stringify(out, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
