// pixelmatch's diff alone, in process (decode excluded): the number reel's kernel is compared to.
// usage: node pixelmatch-kernel.mjs IMAGE_DIR [ROUNDS] [ONLY] — prints medians in ms per pair
// (ONLY: keep the pairs whose label contains it).
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import pixelmatch from 'pixelmatch';

const dir = process.argv[2] ?? '../../tests/data/bench-images';
const rounds = Number(process.argv[3] ?? 11);
const only = process.argv[4] ?? '';
const load = (name) => PNG.sync.read(fs.readFileSync(path.join(dir, `${name}.png`)));
// Warm-up before timing, the same as benches/diff.rs: 200 ms (V8 optimizes; reel's threads settle).
const median = (f) => {
    const warm = process.hrtime.bigint();
    f();
    while (process.hrtime.bigint() - warm < 200_000_000n) f();
    const t = [];
    for (let i = 0; i < rounds; i++) {
        const s = process.hrtime.bigint();
        f();
        t.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    t.sort((a, b) => a - b);
    return t[t.length >> 1];
};

console.log(`pixelmatch ${JSON.parse(fs.readFileSync(new URL('./node_modules/pixelmatch/package.json', import.meta.url))).version}, node ${process.version}, ${rounds} rounds, medians in ms`);
console.log('pair'.padEnd(24), 'kernel'.padStart(10), 'kernel+AA'.padStart(10), 'count'.padStart(10));
for (const size of ['1280x720', '1920x1080', '1280x8000']) {
    if (!['small', 'large', 'base'].some((v) => `${size} base vs ${v}`.includes(only))) continue;
    const base = load(`ui_${size}_base`);
    for (const variant of ['small', 'large', 'base']) {
        if (!`${size} base vs ${variant}`.includes(only)) continue;
        const other = load(`ui_${size}_${variant}`);
        const run = (includeAA) => pixelmatch(base.data, other.data, null, base.width, base.height, { threshold: 0.1, includeAA });
        const count = run(false);
        const kernel = median(() => run(false));
        const kernelAA = median(() => run(true));
        console.log(`${size} base vs ${variant}`.padEnd(24), kernel.toFixed(2).padStart(10), kernelAA.toFixed(2).padStart(10), String(count).padStart(10));
    }
}
