# Challenge data in a zone transfer (dig AXFR output): every record at or
# under an _acme-challenge label, and, with -v all_txt=1 (a zone delegated for
# challenges only, whose names carry no _acme-challenge label), every TXT.
# Prints "owner TYPE rdata" (challenge_line in challenge-lib.awk). With
# -v base=FILE, lines FILE holds (what the lab itself put there, written by
# this script at lab start) are left out. Shared by tests/lab/lab and
# tests/integration/lib.sh (assert_no_challenge_records).
# Run as awk -f challenge-lib.awk -f challenge-records.awk.
BEGIN {
	if (base != "")
		load_known(base, "")
}
{
	line = challenge_line(all_txt)
	if (line != "" && !(("", line) in known))
		print line
}
