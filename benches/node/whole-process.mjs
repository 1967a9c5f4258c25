// Whole-process timing, interleaved: every round runs each command once, in turn, so a burst of
// load from elsewhere on the machine hits all of them alike. Prints the median wall time (ms).
//
// usage: node whole-process.mjs ROUNDS LABEL -- NAME=COMMAND... (commands split on spaces)
import { spawnSync } from 'node:child_process';

const rounds = Number(process.argv[2]);
const label = process.argv[3];
const cmds = process.argv.slice(5).map((spec) => {
    const at = spec.indexOf('=');
    const argv = spec.slice(at + 1).split(' ').filter(Boolean);
    return { name: spec.slice(0, at), file: argv[0], args: argv.slice(1), times: [] };
});
for (let r = -1; r < rounds; r++) { // round -1 warms caches and is not counted
    for (const c of cmds) {
        const s = process.hrtime.bigint();
        const p = spawnSync(c.file, c.args, { stdio: 'ignore' });
        const ms = Number(process.hrtime.bigint() - s) / 1e6;
        if (p.error) throw p.error;
        if (r >= 0) c.times.push(ms);
    }
}
const median = (t) => [...t].sort((a, b) => a - b)[t.length >> 1];
console.log(label.padEnd(26), cmds.map((c) => `${c.name} ${median(c.times).toFixed(1)}`).join('  '));
