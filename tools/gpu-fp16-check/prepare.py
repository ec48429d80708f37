"""Packs one real-set category's trained p17 networks (teacher and students) and its test images
with masks into tools/gpu-fp16-check/p17.npz (about 50 MB) for fp16.py, which runs where
PyTorch and a GPU are. Usage: python3 tools/gpu-fp16-check/prepare.py [SUITE_OUT] [CATEGORY]
with SUITE_OUT the --out of `bench accuracy --suite data/real` (default bench-results/real) and
CATEGORY one of its categories (default grass). Needs numpy only; decodes the PNGs itself.
"""
import sys
import json, struct, zlib, os, glob
import numpy as np

def st_read(path, prefix=None):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n]); base = 8 + n
    out = {}
    for k, v in h.items():
        if k == '__metadata__' or (prefix and not k.startswith(prefix)):
            continue
        s, e = v['data_offsets']
        out[k] = np.frombuffer(b[base + s:base + e], dtype='<f4').reshape(v['shape'])
    return out

def png(path):
    b = open(path, 'rb').read()
    w, h, depth, ctype = struct.unpack('>IIBB', b[16:26])
    assert depth == 8
    ch = {0: 1, 2: 3, 6: 4}[ctype]
    pos, data = 8, b''
    while pos < len(b):
        n = struct.unpack('>I', b[pos:pos + 4])[0]; t = b[pos + 4:pos + 8]
        if t == b'IDAT': data += b[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(data); stride = w * ch
    img = np.zeros((h, stride), np.uint8); prev = np.zeros(stride, np.int32)
    for y in range(h):
        f = raw[y * (stride + 1)]; line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, np.int32)
        for x in range(stride):
            a = cur[x - ch] if x >= ch else 0; c = prev[x - ch] if x >= ch else 0; up = prev[x]
            if f == 0: v = line[x]
            elif f == 1: v = line[x] + a
            elif f == 2: v = line[x] + up
            elif f == 3: v = line[x] + ((a + up) >> 1)
            else:
                p = a + up - c; pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
                v = line[x] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)
            cur[x] = v & 255
        img[y] = cur; prev = cur
    return img.reshape(h, w, ch)

run = (sys.argv[1] if len(sys.argv) > 1 else 'bench-results/real') + '/{}/run'
arrays = {}
for cat in [sys.argv[2] if len(sys.argv) > 2 else 'grass']:
    r = run.format(cat)
    t = st_read(r + '/teacher-p17.safetensors')
    for k, v in t.items(): arrays[f'{cat}/teacher/{k}'] = v
    s = st_read(r + '/students-p17.safetensors', prefix='net')
    for k, v in s.items(): arrays[f'{cat}/students/{k}'] = v
    imgs, masks, types = [], [], []
    for p in sorted(glob.glob(f'data/real/{cat}/test/*/*.png')):
        typ = p.split('/')[-2]; name = os.path.basename(p)[:-4]
        imgs.append(png(p))
        mp = f'data/real/{cat}/ground_truth/{typ}/{name}_mask.png'
        masks.append(png(mp)[..., 0] > 127 if os.path.exists(mp) else np.zeros(imgs[-1].shape[:2], bool))
        types.append(typ)
    arrays[f'{cat}/images'] = np.stack(imgs); arrays[f'{cat}/masks'] = np.stack(masks)
    arrays[f'{cat}/types'] = np.array(types)
    arrays['category'] = np.array(cat)
    print(cat, arrays[f'{cat}/images'].shape, len(s))
np.savez('tools/gpu-fp16-check/p17.npz', **arrays)
print(os.path.getsize('tools/gpu-fp16-check/p17.npz') / 1e6, 'MB')
