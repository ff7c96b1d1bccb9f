package main

import (
	"fmt"
	"io"
)

// printSummary writes the end-of-run table and what explains its numbers.
func printSummary(w io.Writer, plain, resilient *stats, plainSent, resilientSent int64, c countsSnapshot) {
	pt, po, p50p, p99p := plain.summary()
	rt, ro, p50r, p99r := resilient.summary()
	share := func(n, of int) string { return fmt.Sprintf("%d (%s)", n, pct(n, of)) }
	fmt.Fprintf(w, "\n%-38s %18s %18s\n", "summary", "plain client", "resilient")
	row := func(label, a, b string) { fmt.Fprintf(w, "%-38s %18s %18s\n", label, a, b) }
	row("calls", fmt.Sprint(pt.calls()), fmt.Sprint(rt.calls()))
	row("  fresh answers", share(pt[fresh], pt.calls()), share(rt[fresh], rt.calls()))
	row("  cached answers (fallback)", share(pt[cached], pt.calls()), share(rt[cached], rt.calls()))
	row("  errors seen by the app", share(pt[failed], pt.calls()), share(rt[failed], rt.calls()))
	row("answered (fresh + cached)", pct(pt.ok(), pt.calls()), pct(rt.ok(), rt.calls()))
	row("calls started outside the outage", fmt.Sprint(pt.calls()-po.calls()), fmt.Sprint(rt.calls()-ro.calls()))
	row("  of which answered", pct(pt.ok()-po.ok(), pt.calls()-po.calls()), pct(rt.ok()-ro.ok(), rt.calls()-ro.calls()))
	row("  of which fresh", pct(pt[fresh]-po[fresh], pt.calls()-po.calls()), pct(rt[fresh]-ro[fresh], rt.calls()-ro.calls()))
	row("calls started during the outage", fmt.Sprint(po.calls()), fmt.Sprint(ro.calls()))
	row("  of which answered", pct(po.ok(), po.calls()), pct(ro.ok(), ro.calls()))
	row("  of which fresh", pct(po[fresh], po.calls()), pct(ro[fresh], ro.calls()))
	row("latency p50", ms(p50p), ms(p50r))
	row("latency p99", ms(p99p), ms(p99r))
	row("requests sent upstream", fmt.Sprint(plainSent), fmt.Sprint(resilientSent))
	row("  = calls + retries - rejected", fmt.Sprintf("%d + 0 - 0", pt.calls()),
		fmt.Sprintf("%d + %d - %d", rt.calls(), c.retries, c.rejected))
	row("retries", "0", fmt.Sprint(c.retries))
	row("  of which waited a Retry-After", "0", fmt.Sprint(c.waited))
	row("attempts cut by the attempt timeout", "0", fmt.Sprint(c.timeouts))
	row("attempts rejected by the open breaker", "0", fmt.Sprint(c.rejected))
	row("retries refused by the retry budget", "0", fmt.Sprint(c.refused))
	fmt.Fprintf(w, `
Reading the summary:
  - answered = fresh + cached: the fallback's cached quotes are answers, but stale ones; the fresh
    rows compare the two clients' upstream answers as they are.
  - The plain client answers about %s of the calls it starts outside the outage, yet %s in all:
    during the outage each of its calls fails in well under a millisecond, so its callers made
    %d of its %d calls there (a per-second line weighs one second, the summary one call).
  - Every call is counted, including those that ended after the run's last second (the "end" line);
    the calls column of the lines adds up to calls here.
  - requests sent upstream are counted where they leave the client: each call sends one request,
    each retry one more, and an attempt the open breaker rejects sends none.
`, pct(pt.ok()-po.ok(), pt.calls()-po.calls()), pct(pt.ok(), pt.calls()), po.calls(), pt.calls())
}
