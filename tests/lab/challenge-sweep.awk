# The fast path of assert_no_challenge_records (tests/integration/lib.sh):
# reads the output of one dig that transferred every lab zone from each of
# its servers, in the order -v plan gives ("ZONE SERVER P|S;..." with the
# zone's primary first), and prints "clean" when every transfer came whole,
# no zone holds challenge data beyond its baseline (-v basedir, files named
# by zone), and every secondary has its primary's serial or later (RFC 1982).
# Anything else prints "slow": the caller then checks zone by zone, waits for
# secondaries and reports. -v txt_zones: zones whose every TXT counts.
# Run as awk -f challenge-lib.awk -f challenge-sweep.awk.
BEGIN {
	n = split(plan, items, ";")
	for (i = 1; i <= n; i++) {
		split(items[i], f, " ")
		zone[i] = f[1]
		role[i] = f[3]
		if (!(f[1] in loaded)) {
			loaded[f[1]] = 1
			load_known(basedir "/" f[1], f[1])
		}
	}
	m = split(txt_zones, t, " ")
	for (i = 1; i <= m; i++)
		all_txt[t[i]] = 1
	cur = 1
	open = 0
	bad = 0
}
/^; <<>> DiG / || /^; \([0-9]+ servers? found\)$/ || /^;; global options:/ || NF == 0 { next }
/^;/ { bad = 1; next }
bad { next }
NF < 5 { bad = 1; next }
{
	soa = NF >= 7 && toupper($4) == "SOA" && tolower($1) == zone[cur] "."
	if (!open) {
		if (!soa || cur > n) {
			bad = 1
			next
		}
		open = 1
		serial[cur] = $7
		next
	}
	if (soa) {
		open = 0
		cur++
		next
	}
	line = challenge_line(zone[cur] in all_txt)
	if (line != "" && !((zone[cur], line) in known))
		bad = 1
}
END {
	if (bad || open || cur != n + 1) {
		print "slow"
		exit 0
	}
	for (i = 1; i <= n; i++) {
		if (role[i] == "P") {
			p = i
			continue
		}
		d = serial[i] - serial[p]
		if (d < 0)
			d += 4294967296
		if (d >= 2147483648) {
			print "slow"
			exit 0
		}
	}
	print "clean"
}
