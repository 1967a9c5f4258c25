// Oracle for reel's parity test: runs the real pixelmatch (version pinned in package.json) on
// the pairs listed in a JSON manifest and prints one JSON array of mismatch counts.
//
// usage: node pixelmatch.mjs MANIFEST.json
// manifest: [{ "a": "x.png", "b": "y.png", "threshold": 0.1, "includeAA": false,
//              "checkerboard": false, "out": "diff.rgba" (optional: raw RGBA diff image) }]
import fs from 'node:fs';
import { PNG } from 'pngjs';
import pixelmatch from 'pixelmatch';

const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const decoded = new Map();
const load = (path) => {
    if (!decoded.has(path)) decoded.set(path, PNG.sync.read(fs.readFileSync(path)));
    return decoded.get(path);
};

const counts = cases.map((c) => {
    const a = load(c.a);
    const b = load(c.b);
    const out = c.out ? Buffer.alloc(a.width * a.height * 4) : undefined;
    const n = pixelmatch(a.data, b.data, out, a.width, a.height, {
        threshold: c.threshold,
        includeAA: c.includeAA,
        checkerboard: c.checkerboard,
    });
    if (out) fs.writeFileSync(c.out, out);
    return n;
});
process.stdout.write(JSON.stringify(counts) + '\n');
