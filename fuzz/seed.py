#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (not committed).

parse_recording: small slices of the shared recordings (first lines of every JSONL file, the
first events of every JSON document re-serialized, gzip-wrapped copies) plus tests/fixtures/bad.
decode_png / diff_pngs: small PNGs of every colour type, generated here (no image library needed).
text_inputs: offsets, masks, colours and hostile ids.
Run from anywhere: python3 fuzz/seed.py [tests/data/recordings]
"""
import gzip, hashlib, json, os, struct, sys, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "recordings")
LIMIT = 16 * 1024  # keep seeds small: libFuzzer mutates small inputs much faster


def put(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def small_events(events):
    """The first events that fit in LIMIT bytes, largest nodes cut down."""
    out, size = [], 0
    for e in events:
        text = json.dumps(e, separators=(",", ":"))
        if size + len(text) > LIMIT:
            if not out:
                out.append({"type": e.get("type", 2) if isinstance(e, dict) else 2,
                            "timestamp": 1, "data": {}})
            break
        out.append(e)
        size += len(text)
    return out


def recordings():
    for dirpath, _, names in os.walk(SHARED):
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                raw = f.read()
            if name.endswith(".jsonl"):
                lines = raw.split(b"\n")
                for n in (1, 3, 8):
                    chunk = b"\n".join(l for l in lines[:n] if len(l) < LIMIT)
                    if chunk:
                        put("parse_recording", chunk)
                        put("parse_recording", gzip.compress(chunk))
                # Short lines from further in (incremental events, cv fields).
                short = [l for l in lines if 0 < len(l) < 2048][:40]
                for i in range(0, len(short), 10):
                    put("parse_recording", b"\n".join(short[i:i + 10]))
            elif name.endswith(".json"):
                try:
                    doc = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(doc, list):
                    put("parse_recording", json.dumps(small_events(doc)))
                    put("parse_recording", json.dumps(small_events(doc), indent=1))
                elif isinstance(doc, dict):
                    data = doc.get("data")
                    if isinstance(data, dict):
                        for key in ("snapshots", "snapshotsByWindowId"):
                            v = data.get(key)
                            if isinstance(v, list):
                                data[key] = small_events(v)
                            elif isinstance(v, dict):
                                data[key] = {k: small_events(x) for k, x in list(v.items())[:2]
                                             if isinstance(x, list)}
                    text = json.dumps(doc)
                    if len(text) < 4 * LIMIT:
                        put("parse_recording", text)
    bad = os.path.join(ROOT, "tests", "fixtures", "bad")
    for name in sorted(os.listdir(bad)):
        if not name.endswith(".md"):
            with open(os.path.join(bad, name), "rb") as f:
                put("parse_recording", f.read()[:LIMIT])


def png(width, height, colour, depth, rows, palette=None, trns=None):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))
    if palette:
        out += chunk(b"PLTE", palette)
    if trns:
        out += chunk(b"tRNS", trns)
    out += chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + r for r in rows)))
    return out + chunk(b"IEND", b"")


def pngs():
    seeds = [
        png(3, 2, 6, 8, [bytes(range(12)), bytes(range(12, 24))]),               # RGBA8
        png(2, 2, 2, 8, [bytes([1, 2, 3, 4, 5, 6])] * 2),                           # RGB8
        png(4, 1, 0, 8, [bytes([0, 80, 160, 255])], trns=b"\x00\x50"),             # grey + tRNS
        png(8, 1, 0, 1, [bytes([0b10100101])]),                                    # 1-bit grey
        png(2, 1, 4, 8, [bytes([9, 100, 200, 255])]),                               # grey+alpha
        png(2, 1, 3, 8, [bytes([0, 1])], palette=bytes([255, 0, 0, 0, 0, 255])),   # palette
        png(1, 1, 6, 16, [bytes(range(8))]),                                       # RGBA16
        png(1, 1, 2, 16, [bytes(range(6))]),                                        # RGB16
    ]
    for s in seeds:
        put("decode_png", s)
        put("diff_pngs", s)
    for n in (0, 7, 64, 300):
        put("diff_pngs", bytes((i * 37) & 0xFF for i in range(n)))


def texts():
    for t in ["1.5s", "500ms", "2m", "1m30s", "12", "1h", "0.0001ms", "99999999999h",
              "0,0,10,10", "4294967295,1,1,1", "#ff00ff", "#00000080", "ff00",
              "../../etc/passwd", "/abs/path", "a\x00b", "C:\\x\\y", "..", ".", "",
              "x" * 300, "a/b\x1fa_b", "a b\x1fa_b", "é\x1fe"]:
        put("text_inputs", t)


if __name__ == "__main__":
    recordings()
    pngs()
    texts()
    for t in sorted(os.listdir(os.path.join(HERE, "corpus"))):
        print(t, len(os.listdir(os.path.join(HERE, "corpus", t))), "seeds")
