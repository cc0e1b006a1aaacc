import re, statistics, collections
rows = collections.defaultdict(list)
def ms(s):
    m = re.match(r'([\d.]+)(us|ms|s)$', s)
    v = float(m.group(1)); return v/1000 if m.group(2)=='us' else v*1000 if m.group(2)=='s' else v
for line in open('logs/bench.tsv'):
    f = line.rstrip('\n').split('\t')
    d = {k: v for k, v in (x.split('=', 1) for x in f if '=' in x and not x.startswith('Socket'))}
    name, route = f[2], f[3]
    rows[(route, name)].append((float(d['rps']), ms(d['p50']), ms(d['p99']), d['non2xx'], d['load'].split(',')[0]))
print("| route | variant | runs | median req/s | req/s range | median p50 | median p99 | p99 range | non-2xx | 1-min load at start |")
print("|---|---|---|---|---|---|---|---|---|---|")
for (route, name), v in sorted(rows.items(), key=lambda x: (['post','head','stats'].index(x[0][0]), x[0][1])):
    r = [x[0] for x in v]; p99 = [x[2] for x in v]; p50 = [x[1] for x in v]
    print(f"| {route} | {name} | {len(v)} | {statistics.median(r):,.0f} | {min(r):,.0f}–{max(r):,.0f} | {statistics.median(p50):.2f} ms | {statistics.median(p99):.2f} ms | {min(p99):.2f}–{max(p99):.2f} ms | {','.join(x[3] for x in v)} | {', '.join(x[4] for x in v)} |")
