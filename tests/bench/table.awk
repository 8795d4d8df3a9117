# tests/bench/table.awk - turns the result lines of tests/bench/run.sh
#   <rep> <case> <engine> row <name> <ops> <ns> [partial]
#   <rep> <case> <engine> info <name> <value>
#   <rep> <case> <engine> fail
# into the markdown tables of `make bench`: each engine's rate (median
# over the repetitions), the median of the per-repetition ratios
# cbolt/LMDB and cbolt/bbolt, peak RSS and file size per case, and ratios
# of an engine against itself (the targets of issue 12).
# Variables: load0, load1 (the load averages at the start and the end),
# head (the machine and the duration).

function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    if (n == 0) return ""
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
        }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function rate(x) {
    if (x == "") return "-"
    if (x >= 1e6) return sprintf("%.2fM", x / 1e6)
    if (x >= 1e4) return sprintf("%.0fk", x / 1e3)
    if (x >= 1e3) return sprintf("%.1fk", x / 1e3)
    return sprintf("%.0f", x)
}
function ratio(x) { return x == "" ? "-" : sprintf("%.2f", x) }
function mb(x) { return x == "" ? "-" : sprintf("%.1f", x / 1048576) }
function add(arr, k, v) { arr[k] = (k in arr) ? arr[k] " " v : v }
# The per-repetition ratios num/den of two rates, as a median.
function ratios(key, num, den,    r, l) {
    l = ""
    for (r = 1; r <= reps; r++)
        if ((r SUBSEP key SUBSEP num) in rt && (r SUBSEP key SUBSEP den) in rt &&
            rt[r, key, den] > 0)
            l = l " " rt[r, key, num] / rt[r, key, den]
    return median(l)
}
# An engine against itself: median over repetitions of rate(a) / rate(b).
function self(e, a, b,    r, l) {
    l = ""
    for (r = 1; r <= reps; r++)
        if ((r SUBSEP a SUBSEP e) in rt && (r SUBSEP b SUBSEP e) in rt && rt[r, a, e] > 0)
            l = l " " rt[r, b, e] / rt[r, a, e]
    return median(l)
}

$4 == "row" {
    key = $2 " " $5
    if (!(key in seen)) { seen[key] = 1; order[++nrows] = key }
    r = $1 + 0; if (r > reps) reps = r
    eng = $3 == "floor" ? "cbolt" : $3
    rt[r, key, eng] = $7 > 0 ? $6 / ($7 / 1e9) : 0
    add(rates, key SUBSEP eng, rt[r, key, eng])
    if ($8 == "partial") { partial[key, eng] = 1; pcase[$2, eng] = 1 }
}
$4 == "info" && $5 == "peak_rss_kb" {
    if ($6 > rss[$2, $3]) rss[$2, $3] = $6
}
$4 == "info" && $5 == "file_bytes" { fsize[$2, $3] = $6 }
$4 == "info" && $5 == "free_pages" { freep[$2, $3] = $6 }
$4 == "info" { if (!($2 in cseen)) { cseen[$2] = 1; corder[++ncases] = $2 } }
$4 == "fail" { failed[$2, $3] = 1; nfail++ }

END {
    n = split("cbolt lmdb bbolt", engines, " ")
    printf "%s; load average at start: %s, at end: %s; %d repetition(s)\n\n", head, load0, load1, reps
    print "| case | row | cbolt op/s | LMDB op/s | bbolt op/s | cbolt/LMDB | cbolt/bbolt |"
    print "|---|---|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nrows; i++) {
        key = order[i]; split(key, kp, " ")
        line = "| " kp[1] " | " kp[2]
        if (key == "floor floor") {
            m = rate(median(rates[key, "cbolt"]))
            print line " | " m " | " m " | " m " | - | - |"
            continue
        }
        for (j = 1; j <= n; j++) {
            m = median(rates[key, engines[j]])
            line = line " | " rate(m) ((key SUBSEP engines[j]) in partial ? "*" : "")
        }
        print line " | " ratio(ratios(key, "cbolt", "lmdb")) " | " ratio(ratios(key, "cbolt", "bbolt")) " |"
    }
    print "\n`*`: partial in at least one repetition: the run stopped at its time cap and the"
    print "rate is that of the keys done (an upper bound); its file size is not comparable."
    print "\n| case | cbolt RSS MiB | LMDB RSS MiB | bbolt RSS MiB | cbolt file MiB | LMDB file MiB | bbolt file MiB | cbolt/bbolt file |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= ncases; i++) {
        c = corder[i]
        if (c == "floor") continue
        line = "| " c
        for (j = 1; j <= n; j++) line = line " | " mb(rss[c, engines[j]] * 1024)
        for (j = 1; j <= n; j++)
            line = line " | " mb(fsize[c, engines[j]]) (pcase[c, engines[j]] ? "*" : "")
        fr = (fsize[c, "bbolt"] > 0 && fsize[c, "cbolt"] != "") ? fsize[c, "cbolt"] / fsize[c, "bbolt"] : ""
        print line " | " ratio(fr) " |"
    }
    print "\nEach engine against itself (median over repetitions; issue 12's targets in brackets):\n"
    print "| measure | cbolt | LMDB | bbolt |"
    print "|---|---:|---:|---:|"
    selfrow("durable one-put commit time / floor of two fdatasyncs [<= 1.1]", "durable durable", "floor floor", 1)
    selfrow("open for writing and close / floor of two fdatasyncs (cbolt syncs the meta in force once: about 0.5)", "durable reopen", "floor floor", 1)
    selfrow("cost per key, 1M random keys in one tx / 100k [<= 2]", "onetx-1m onetx", "onetx-100k onetx", 0)
    selfrow("commit time, 1M free pages / fresh file [<= 2]", "frag commit-frag", "frag commit-fresh", 0)
    selfrow("cost per key, 4M sequential writes / 100k", "seq-4m write", "seq-100k write", 0)
    if ("frag" in cseen) {
        line = "| free pages of the fragmented file"
        for (j = 1; j <= n; j++) line = line " | " freep["frag", engines[j]]
        print line " |"
    }
    if (nfail) {
        printf "\nFAILED runs:"
        for (k in failed) { split(k, fp, SUBSEP); printf " %s/%s", fp[1], fp[2] }
        print ""
    }
}
# A row of the self table: time(a) / time(b) = rate(b) / rate(a); with
# floor set, b is the engine-free floor row.
function selfrow(what, a, b, floor,    line, j, e, l, r) {
    if (!(a in seen) || !(b in seen)) return
    line = "| " what
    for (j = 1; j <= n; j++) {
        e = engines[j]
        if (floor) {
            l = ""
            for (r = 1; r <= reps; r++)
                if ((r SUBSEP a SUBSEP e) in rt && (r SUBSEP b SUBSEP "cbolt") in rt && rt[r, a, e] > 0)
                    l = l " " rt[r, b, "cbolt"] / rt[r, a, e]
            line = line " | " ratio(median(l))
        } else
            line = line " | " ratio(self(e, a, b))
        if (((a SUBSEP e) in partial) || ((b SUBSEP e) in partial)) line = line "*"
    }
    print line " |"
}
