#!/usr/bin/env python3
"""Simulates dip's no-reference stopping rules on a metrics.csv written with --no-auto-stop --gt,
and prints what each rule would pick against the run's oracle best."""
import csv, sys

def load(path):
    rows = []
    for r in csv.DictReader(open(path)):
        def f(k):
            try: return float(r[k])
            except (ValueError, KeyError): return None
        rows.append(dict(it=int(r['iteration']), gt=f('psnr_gt'), ema=f('psnr_gt_ema'), wmv=f('es_wmv'), emv=f('es_emv')))
    return rows

def simulate(rows, key, patience=1000, window=100):
    best = None
    for r in rows:
        v = r[key]
        if v is None or r['it'] + 1 < window: continue
        if best is None or v < best[1]: best = (r['it'], v)
        if best and r['it'] - best[0] >= patience: return best[0], r['it']
    return (best[0] if best else None), rows[-1]['it']

for path in sys.argv[1:]:
    rows = load(path)
    print(f"== {path}: {len(rows)} iterations")
    be = max(rows, key=lambda r: r['ema']); br = max(rows, key=lambda r: r['gt'])
    print(f"  oracle: best EMA {be['ema']:.2f} @ {be['it']}, best raw {br['gt']:.2f} @ {br['it']}, final EMA {rows[-1]['ema']:.2f} raw {rows[-1]['gt']:.2f}")
    for key in ['wmv', 'emv']:
        pick, stop = simulate(rows, key)
        if pick is None: print(f"  {key}: no pick"); continue
        upto = [r for r in rows if r['it'] <= stop]
        best_upto = max(upto, key=lambda r: r['ema'])
        r = rows[pick]
        print(f"  ES-{key.upper()}: best @ {pick}, auto-stop @ {stop}: EMA {r['ema']:.2f} (gap {best_upto['ema'] - r['ema']:.2f} to best-in-run {best_upto['ema']:.2f}), raw {r['gt']:.2f}")
