# Functions shared by challenge-records.awk and challenge-sweep.awk.

# challenge_line(all_txt): the AXFR line in $0 as "owner TYPE rdata" when it
# is challenge data (at or under an _acme-challenge label; with all_txt, any
# TXT), else "". The owner is lower-cased and the TTL and class dropped, so
# that lines compare across servers and serials.
function challenge_line(all_txt,    owner, type, line, i) {
	if ($0 ~ /^;/ || NF < 4)
		return ""
	owner = tolower($1)
	type = toupper($4)
	if (type == "SOA")
		return ""
	if (owner !~ /(^|\.)_acme-challenge\./ && !(all_txt && type == "TXT"))
		return ""
	line = owner " " type
	for (i = 5; i <= NF; i++)
		line = line " " $i
	return line
}

# load_known(file, key): the lines of file (a baseline) into known[key, line].
function load_known(file, key,    line) {
	while ((getline line < file) > 0)
		known[key, line] = 1
	close(file)
}
