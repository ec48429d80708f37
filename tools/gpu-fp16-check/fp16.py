"""fp16 / TF32 / fp32 for the default p17 networks (one real-set category), against float64.

What a TensorRT fp16 build does to the map, measured the closest way this GPU machine allows
(PyTorch + cuDNN, no TensorRT): the teacher and 3 students of a trained p17 scale run in each
precision, e = ||mean_i S_i - T||^2 per position is computed in fp32 (the pinned tail) and, to
show why it is pinned, in fp16.
"""
import json, os, sys, time
import numpy as np
import torch
import torch.nn.functional as F

out_dir = os.environ.get('OUT', '.')
d = np.load('tools/gpu-fp16-check/p17.npz')
cat = str(d['category'])
dev = torch.device('cuda')
SLOPE = 5e-3
MEAN = np.array([0.485, 0.456, 0.406]); STD = np.array([0.229, 0.224, 0.225])


def layers(prefix):
    return [(d[f'{prefix}layer{i}.weight'].astype(np.float64), d[f'{prefix}layer{i}.bias'].astype(np.float64))
            for i in range(4)]


teacher = layers(f'{cat}/teacher/')
mu = d[f'{cat}/teacher/normalization.mean'].astype(np.float64)
sd = d[f'{cat}/teacher/normalization.std'].astype(np.float64)
w, b = teacher[-1]
teacher[-1] = (w / sd[:, None, None, None], (b - mu) / sd)  # normalisation folded, as the export does
students = [layers(f'{cat}/students/net{k}.') for k in range(3)]
imgs = d[f'{cat}/images'].astype(np.float64) / 255.0
x64 = torch.tensor(((imgs - MEAN) / STD).transpose(0, 3, 1, 2).copy(), device=dev)
masks = d[f'{cat}/masks'][:, 8:-8, 8:-8]  # descriptor (y, x) is the patch centred at (y + 8, x + 8)
types = d[f'{cat}/types']


def to(net, dtype):
    return [(torch.tensor(w, device=dev, dtype=dtype), torch.tensor(b, device=dev, dtype=dtype)) for w, b in net]


def run(net, x):
    for i, (w, b) in enumerate(net):
        x = F.conv2d(x, w, b)
        if i < len(net) - 1:
            x = F.leaky_relu(x, SLOPE)
    return x


def e_map(dtype, tail=torch.float32, tf32=False):
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    with torch.no_grad():
        x = x64.to(dtype)
        t = run(to(teacher, dtype), x).to(tail)
        s = [run(to(n, dtype), x).to(tail) for n in students]
        m = sum(s) / len(s)
        e = ((m - t) ** 2).sum(1)
    return e.double().cpu().numpy(), t.double().cpu().numpy()


def auroc(scores, labels):
    s = scores.ravel(); l = labels.ravel()
    order = np.argsort(s, kind='mergesort'); ranks = np.empty(len(s)); ranks[order] = np.arange(1, len(s) + 1)
    # ties share their mean rank
    ss = s[order]; i = 0
    while i < len(ss):
        j = i
        while j + 1 < len(ss) and ss[j + 1] == ss[i]:
            j += 1
        if j > i:
            ranks[order[i:j + 1]] = (i + j + 2) / 2
        i = j + 1
    n1 = l.sum(); n0 = len(l) - n1
    return float((ranks[l].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


result = {'gpu': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'cudnn': torch.backends.cudnn.version(),
          'category': cat, 'images': int(len(imgs))}
ref, tref = e_map(torch.float64, tail=torch.float64)
p999 = float(np.quantile(ref, 0.999))
result['e_float64'] = {'p50': float(np.median(ref)), 'p99.9': p999, 'max': float(ref.max()),
                       'pixelAuroc': auroc(ref, masks)}
modes = {'fp32': (torch.float32, torch.float32, False), 'fp32+tf32': (torch.float32, torch.float32, True),
         'fp16 networks, fp32 tail': (torch.float16, torch.float32, False),
         'bf16 networks, fp32 tail': (torch.bfloat16, torch.float32, False),
         'fp16 networks, fp16 tail': (torch.float16, torch.float16, False)}
for name, (dt, tail, tf32) in modes.items():
    try:
        e, t = e_map(dt, tail, tf32)
        finite = np.isfinite(e)
        err = np.abs(np.where(finite, e, 0) - ref)
        score_err = np.abs(np.where(finite, e, np.inf).reshape(len(e), -1).max(1) - ref.reshape(len(ref), -1).max(1)) \
            / ref.reshape(len(ref), -1).max(1)
        result[name] = {
            'nonFinite': int((~finite).sum()),
            'maxAbsErrorOverP999': float(err[finite].max() / p999),
            'medianRelError': float(np.median(err[finite] / np.maximum(ref[finite], 1e-12))),
            'imageScoreMaxRelError': float(score_err.max()),
            'teacherDescriptorMaxAbsError': float(np.nanmax(np.abs(t - tref))),
            'pixelAuroc': auroc(np.where(finite, e, np.finfo(np.float64).max), masks),
        }
    except Exception as ex:  # one mode failing must not cost the others
        result[name] = {'error': repr(ex)}
    print(name, json.dumps(result[name]), flush=True)

# Latency of the four p17 networks, dense, on one camera-sized image (cuDNN eager; TensorRT fuses more).
lat = {}
for size in (256, 900, 2048):
    xs = torch.randn(1, 3, size, size, device=dev)
    for name, (dt, tf32) in {'fp32': (torch.float32, False), 'fp32+tf32': (torch.float32, True),
                             'fp16': (torch.float16, False)}.items():
        try:
            torch.backends.cudnn.allow_tf32 = tf32
            torch.backends.cudnn.benchmark = True
            nets = [to(teacher, dt)] + [to(n, dt) for n in students]
            xi = xs.to(dt)
            with torch.no_grad():
                for _ in range(3):
                    [run(n, xi) for n in nets]
                torch.cuda.synchronize()
                ts = []
                for _ in range(15):
                    a = torch.cuda.Event(enable_timing=True); z = torch.cuda.Event(enable_timing=True)
                    a.record(); [run(n, xi) for n in nets]; z.record(); torch.cuda.synchronize()
                    ts.append(a.elapsed_time(z))
            lat[f'{size} {name}'] = float(np.median(ts))
        except Exception as ex:
            lat[f'{size} {name}'] = repr(ex)
        print('latency', size, name, lat[f'{size} {name}'], flush=True)
result['latencyMs_p17_teacher_and_3_students'] = lat
json.dump(result, open(os.path.join(out_dir, 'fp16.json'), 'w'), indent=1)
print(json.dumps(result, indent=1))
