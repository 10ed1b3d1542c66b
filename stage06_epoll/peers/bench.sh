#!/usr/bin/env bash
# bench.sh: chapter 6's comparison of stage 5, stage 6 and their peers
# (fasthttp, gnet with a canned answer, net/http), in one run that anyone
# can repeat. It builds every server into a temporary directory, runs wrk
# against each in turn for several rounds, and prints a Markdown table of
# medians and ranges on stdout; progress goes to stderr. README.md in this
# directory explains the figures. Linux only: it reads /proc.
#
# Nothing is pinned: the servers and wrk run wherever the kernel puts
# them. On a 2-core machine wrk's one thread shares a core with the
# server's loops, so every server has about one and a half cores; compare
# the servers with one another, not with figures from another machine.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: stage06_epoll/peers/bench.sh [-d SECONDS] [-r ROUNDS] [-p PORT] [-m] [-n CONNS]

Builds stage 5, stage 6 and the peers (fasthttp, gnet with a canned
answer, net/http), runs `wrk -t1 -c64 -dSECONDS` on GET /echo/hello
against each in turn, ROUNDS times, and prints a Markdown table (req/s
and CPU per request: medians and ranges) on stdout.

  -d SECONDS  length of each wrk run (default: $DURATION, or 3)
  -r ROUNDS   rounds; each round runs every server once (default: $ROUNDS, or 3)
  -p PORT     the port the servers listen on, one at a time (default 4660)
  -m          also measure each server's resident memory while it holds
              CONNS idle keep-alive connections (stage06_epoll/idleconns)
  -n CONNS    idle connections for -m (default 10000); raises ulimit -n
  -h          this help
EOF
}

die() {
	echo "bench.sh: $*" >&2
	exit 1
}

progress() {
	echo "$*" >&2
}

# The command line as given, for the table's header: the environment
# variables that set defaults, then the script and its arguments.
command_line=""
for var in DURATION ROUNDS; do
	if [ -n "${!var:-}" ]; then
		command_line+="$var=$(printf '%q' "${!var}") "
	fi
done
command_line+=$(printf '%q' "$0")
if [ $# -gt 0 ]; then
	command_line+=$(printf ' %q' "$@")
fi

duration=${DURATION:-3}
rounds=${ROUNDS:-3}
port=4660
memory=false
conns=10000
while getopts 'd:r:p:mn:h' opt; do
	case $opt in
	d) duration=$OPTARG ;;
	r) rounds=$OPTARG ;;
	p) port=$OPTARG ;;
	m) memory=true ;;
	n) conns=$OPTARG ;;
	h)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then
	usage >&2
	exit 2
fi
for value in "$duration" "$rounds" "$port" "$conns"; do
	if ! [[ $value =~ ^[1-9][0-9]*$ ]]; then
		echo "bench.sh: -d, -r, -p and -n take a whole number above 0, not \"$value\"" >&2
		exit 2
	fi
done

# Nothing is installed for you: say what is missing and how to get it.
if ! command -v wrk >/dev/null; then
	echo "bench.sh: wrk is not installed; on Debian or Ubuntu: apt-get install -y wrk" >&2
	exit 2
fi
if ! command -v go >/dev/null; then
	echo "bench.sh: go is not on PATH; see https://go.dev/doc/install" >&2
	exit 2
fi
if [ ! -r /proc/self/stat ]; then
	echo "bench.sh: this needs Linux: CPU time and memory are read from /proc" >&2
	exit 2
fi
if $memory && ! ulimit -n $((conns + 1000)) 2>/dev/null; then
	echo "bench.sh: -m needs ulimit -n of at least $((conns + 1000)), above the hard limit $(ulimit -Hn); raise it (as root: ulimit -Hn $((conns + 1000))) or lower -n" >&2
	exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ ! -f "$root/go.mod" ] || [ ! -d "$root/stage05_json" ]; then
	die "cannot find the workbook's root above $here"
fi

# Every process started here is stopped on any exit, Ctrl-C included.
# (Servers started in the background of a script ignore Ctrl-C, so this
# trap is the only thing that stops them.)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/peers-bench.XXXXXX")
server_pid=""
idle_pid=""
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local rc=$?
	stop_pid "$idle_pid"
	stop_pid "$server_pid"
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'progress "bench.sh: interrupted; stopping the servers"; exit 130' INT
trap 'progress "bench.sh: terminated; stopping the servers"; exit 143' TERM
trap 'exit 129' HUP

# The servers, in the order of the table.
servers=(stage05 stage06 fasthttp gnet nethttp)
declare -A label
server_argv() { # sets argv to the command that runs server $1
	case $1 in
	stage05) argv=("$tmp/stage05_json") ;;
	stage06) argv=("$tmp/stage06_epoll") ;;
	*) argv=("$tmp/peers" "$1") ;;
	esac
}

build() {
	progress "building into $tmp (the first build of the peers downloads fasthttp and gnet through the Go module proxy)"
	(cd "$root" && go build -o "$tmp/stage05_json" ./stage05_json)
	(cd "$root" && go build -o "$tmp/stage06_epoll" ./stage06_epoll)
	if $memory; then
		(cd "$root" && go build -o "$tmp/idleconns" ./stage06_epoll/idleconns)
	fi
	go -C "$here" build -o "$tmp/peers" .
	local fasthttp gnet
	fasthttp=$(go -C "$here" list -m -f '{{.Version}}' github.com/valyala/fasthttp)
	gnet=$(go -C "$here" list -m -f '{{.Version}}' github.com/panjf2000/gnet/v2)
	label[stage05]="stage 5 (a goroutine per connection)"
	label[stage06]="stage 6 (epoll loops)"
	label[fasthttp]="fasthttp $fasthttp (full HTTP)"
	label[gnet]="gnet $gnet, canned answer (parses nothing)"
	label[nethttp]="net/http ($(go env GOVERSION))"
	versions="fasthttp $fasthttp, gnet $gnet"
}

# probe asks 127.0.0.1:$port for GET /echo/hello once, and prints what
# came back. It fails with 1 when nothing listens there, and with 2 when
# the answer is not the stages' (200, text/plain, body "hello").
probe() (
	{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || exit 1
	printf 'GET /echo/hello HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n\r\n' "$port" >&3
	local status="" line type="" length="" body=""
	IFS= read -r -t 5 status <&3 || true
	while IFS= read -r -t 5 line <&3; do
		line=${line%$'\r'}
		[ -n "$line" ] || break
		case ${line,,} in
		content-type:*) type=${line#*: } ;;
		content-length:*) length=${line#*: } ;;
		esac
	done
	if [[ $length =~ ^[0-9]+$ ]] && ((length > 0 && length < 100)); then
		IFS= read -r -t 5 -N "$length" body <&3 || true
	fi
	echo "${status%$'\r'}, Content-Type: $type, Content-Length: $length, body: $body"
	[[ $status == "HTTP/1.1 200 "* && $type == text/plain* && $body == hello ]] || exit 2
)

# require_free_port stops the run if anything answers on the port: the
# figures would be that server's, or the new server could not listen.
require_free_port() {
	local answer
	if answer=$(probe); [ -n "$answer" ]; then
		die "something already answers on port $port ($answer); stop it or choose another port with -p"
	fi
}

# start_server starts server $1, with any further arguments, and returns
# once it answers GET /echo/hello as the stages do. Its log goes to
# /dev/null, as in chapter 6, so that no terminal slows it down.
start_server() {
	local name=$1 i rc answer
	shift
	server_argv "$name"
	require_free_port
	PORT=$port "${argv[@]}" "$@" >/dev/null 2>&1 &
	server_pid=$!
	for ((i = 0; i < 100; i++)); do
		kill -0 "$server_pid" 2>/dev/null || die "$name exited at start; run it by hand to see why: PORT=$port ${argv[*]} $*"
		rc=0
		answer=$(probe) || rc=$?
		case $rc in
		0) return 0 ;;
		2) die "$name answered GET /echo/hello with: $answer" ;;
		esac
		sleep 0.1
	done
	die "$name did not answer on port $port within 10 s"
}

stop_server() {
	stop_pid "$server_pid"
	server_pid=""
}

# cpu_ticks prints the user and system time process $1 has used, in clock
# ticks: fields 14 and 15 of /proc/PID/stat, counted after the command
# name in parentheses, which could hold spaces.
cpu_ticks() {
	local stat fields
	stat=$(<"/proc/$1/stat")
	read -r -a fields <<<"${stat##*) }"
	echo $((fields[11] + fields[12]))
}

# rss_kb prints the resident memory of process $1, in kB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

hz=$(getconf CLK_TCK)
declare -A rps cpu p99 rss

# measure_load runs wrk once against server $1 and records its requests
# a second, its CPU time per request and its p99 latency.
measure_load() {
	local name=$1 round=$2 t0 t1 result r c p
	start_server "$name"
	t0=$(cpu_ticks "$server_pid")
	wrk -t1 -c64 -d"${duration}s" --latency "http://127.0.0.1:$port/echo/hello" >"$tmp/wrk.txt"
	t1=$(cpu_ticks "$server_pid")
	stop_server
	if ((t1 == t0)); then
		die "$name used no measurable CPU in ${duration}s (a tick is 1/$hz s); use a longer -d"
	fi
	result=$(awk -v ticks=$((t1 - t0)) -v hz="$hz" '
		/ requests in / { n = $1 }
		/^Requests\/sec:/ { r = $2 }
		/Non-2xx or 3xx responses:/ { bad = $NF }
		/^ +99% / { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
			p = v * (u == "us" ? 0.001 : u == "s" ? 1000 : 1) }
		END {
			if (!n || !r) { print "no figures in wrk output"; exit 1 }
			if (bad) { print bad " answers were not 2xx or 3xx"; exit 1 }
			printf "%.0f %.3f %.3f\n", r, ticks / hz * 1e6 / n, p
		}' "$tmp/wrk.txt") || die "$name: $result; wrk said: $(cat "$tmp/wrk.txt")"
	read -r r c p <<<"$result"
	rps[$name]+="$r "
	cpu[$name]+="$c "
	p99[$name]+="$p "
	progress "$(printf 'round %d/%d %-9s %6.0f req/s, %5.2f µs CPU a request, p99 %.2f ms' "$round" "$rounds" "$name" "$r" "$c" "$p")"
	if grep -q 'Socket errors' "$tmp/wrk.txt"; then
		progress "  wrk: $(grep 'Socket errors' "$tmp/wrk.txt" | sed 's/^ *//')"
	fi
}

# measure_memory reads the resident memory of server $1 before and while
# it holds $conns idle keep-alive connections, each of which has served
# one request. The stages get a long idle timeout, so that they keep them.
measure_memory() {
	local name=$1 before after i line open failed
	case $name in
	stage05) start_server "$name" -idle-timeout 10m ;;
	stage06) start_server "$name" -idle-timeout 10m -max-conns $((conns + 100)) ;;
	*) start_server "$name" ;;
	esac
	before=$(rss_kb "$server_pid")
	"$tmp/idleconns" -addr "127.0.0.1:$port" -n "$conns" -hold 10m >"$tmp/idle.txt" 2>&1 &
	idle_pid=$!
	for ((i = 0; i < 1200; i++)); do
		line=$(grep '^ready:' "$tmp/idle.txt" || true)
		[ -z "$line" ] || break
		kill -0 "$idle_pid" 2>/dev/null || die "idleconns against $name ended early: $(cat "$tmp/idle.txt")"
		sleep 0.1
	done
	[ -n "$line" ] || die "idleconns against $name: not ready within 120 s"
	sleep 1 # let the last answers' buffers go
	after=$(rss_kb "$server_pid")
	stop_pid "$idle_pid"
	idle_pid=""
	stop_server
	read -r open failed <<<"$(sed -E 's/^ready: ([0-9]+) open, ([0-9]+) failed.*/\1 \2/' <<<"$line")"
	[ "$failed" = 0 ] || progress "  idleconns: $failed of $conns connections to $name failed: $(head -1 "$tmp/idle.txt")"
	rss[$name]="$before $after $open"
	progress "memory $(printf '%-9s' "$name") VmRSS $before kB idle, $after kB holding $open connections"
}

# stats prints the median, the lowest and the highest of its arguments.
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'
}

# ratio prints the median and range, over the rounds, of server $2's
# figure divided by server $3's, for the figures in array $1.
ratio() {
	local -n figures=$1
	local -a a b q
	local i
	read -r -a a <<<"${figures[$2]}"
	read -r -a b <<<"${figures[$3]}"
	for i in "${!a[@]}"; do
		q+=("$(awk -v x="${a[i]}" -v y="${b[i]}" 'BEGIN { printf "%.3f", x / y }')")
	done
	stats "${q[@]}" | awk '{ printf "%.2f (rounds: %.2f–%.2f)", $1, $2, $3 }'
}

# rounds_table prints every server's figures in every round, so that the
# medians above can be checked against the runs they come from.
rounds_table() {
	local name i
	local -a r c
	printf '| round |'
	printf ' %s |' "${servers[@]}"
	printf '\n|---|'
	printf -- '---|%.0s' "${servers[@]}"
	echo
	for ((i = 0; i < rounds; i++)); do
		printf '| %d |' $((i + 1))
		for name in "${servers[@]}"; do
			read -r -a r <<<"${rps[$name]}"
			read -r -a c <<<"${cpu[$name]}"
			printf ' %.1fk; %.2f µs |' "$(awk -v x="${r[i]}" 'BEGIN { print x / 1000 }')" "${c[i]}"
		done
		echo
	done
}

report() {
	local name cpu_model commit before after open
	cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then
		commit+=" (with uncommitted changes)"
	fi
	echo "### Stage 6 and its peers, GET /echo/hello"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: nproc $(nproc)${cpu_model:+, $cpu_model}, $(uname -sr), load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- $(go version), wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }' || true), $versions, workbook $commit"
	echo "- command: \`$command_line\`"
	echo "- each round runs every server once, in turn (the order rotates each round): \`wrk -t1 -c64 -d${duration}s --latency http://127.0.0.1:$port/echo/hello\`; $rounds $( ((rounds == 1)) && echo round || echo rounds), medians and ranges; CPU per request is the server's utime+stime from /proc/PID/stat (CLK_TCK $hz) over wrk's request count"
	echo
	if $memory; then
		echo "| server | req/s, median | req/s, range | CPU per request, median | CPU per request, range | p99, median | RSS, $(sed -E ':a; s/([0-9])([0-9]{3})($|,)/\1,\2\3/; ta' <<<"$conns") idle connections |"
		echo "|---|---|---|---|---|---|---|"
	else
		echo "| server | req/s, median | req/s, range | CPU per request, median | CPU per request, range | p99, median |"
		echo "|---|---|---|---|---|---|"
	fi
	for name in "${servers[@]}"; do
		# shellcheck disable=SC2086 # the figures are words on purpose
		printf '| %s | %s | %s | %s |' "${label[$name]}" \
			"$(stats ${rps[$name]} | awk '{ printf "%.1fk | %.1f–%.1fk", $1 / 1000, $2 / 1000, $3 / 1000 }')" \
			"$(stats ${cpu[$name]} | awk '{ printf "%.1f µs | %.1f–%.1f µs", $1, $2, $3 }')" \
			"$(stats ${p99[$name]} | awk '{ printf "%.2f ms", $1 }')"
		if $memory; then
			read -r before after open <<<"${rss[$name]}"
			awk -v b="$before" -v a="$after" -v n="$open" \
				'BEGIN { each = (a - b) * 1024 / n
					printf " %.1f MB (~%s each) |", a * 1024 / 1e6, each < 1000 ? sprintf("%.0f B", each) : sprintf("%.1f KB", each / 1000) }'
		fi
		echo
	done
	echo
	echo "Ratios of the figures measured in the same round, median over the rounds:"
	echo
	echo "- req/s, stage 6 ÷ stage 5: $(ratio rps stage06 stage05)"
	echo "- req/s, stage 6 ÷ fasthttp: $(ratio rps stage06 fasthttp)"
	echo "- CPU per request, stage 6 ÷ canned gnet: $(ratio cpu stage06 gnet)"
	echo
	echo "Each round (req/s; CPU per request); round N starts with the Nth server of the table and wraps round:"
	echo
	rounds_table
	if $memory; then
		echo
		echo "RSS is VmRSS from /proc/PID/status while stage06_epoll/idleconns holds the connections, each after one request; a connection's share is the growth over the idle server's VmRSS, divided by the connections (MB and B in powers of ten)."
	fi
}

require_free_port
load_start=$(cut -d' ' -f1-3 /proc/loadavg) # before the build adds its own
build
for ((round = 1; round <= rounds; round++)); do
	# Rotate the order, so that no server always runs first, straight
	# after the build or the previous round.
	for ((i = 0; i < ${#servers[@]}; i++)); do
		measure_load "${servers[(i + round - 1) % ${#servers[@]}]}" "$round"
	done
done
if $memory; then
	for name in "${servers[@]}"; do
		measure_memory "$name"
	done
fi
report
