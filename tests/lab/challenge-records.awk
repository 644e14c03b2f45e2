# Challenge data in a zone transfer (dig AXFR output): every record at or
# under an _acme-challenge label, and, with -v all_txt=1 (a zone delegated for
# challenges only, whose names carry no _acme-challenge label), every TXT.
# Prints "owner TYPE rdata" with the owner in lower case and the TTL and class
# dropped, so that the lines compare across servers and serials. With
# -v base=FILE, lines FILE holds (what the lab itself put there, written by
# this script at lab start) are left out. Shared by tests/lab/lab and
# tests/integration/lib.sh (assert_no_challenge_records).
BEGIN {
	if (base != "") {
		while ((getline line < base) > 0) known[line] = 1
		close(base)
	}
}
/^;/ || NF < 4 { next }
{
	owner = tolower($1)
	type = toupper($4)
	if (type == "SOA") next
	if (owner !~ /(^|\.)_acme-challenge\./ && !(all_txt && type == "TXT")) next
	line = owner " " type
	for (i = 5; i <= NF; i++) line = line " " $i
	if (!(line in known)) print line
}
