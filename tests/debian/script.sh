#!/bin/bash
# bash features under tuml and the oracle: functions, arrays, $(...), process
# substitution, wait -n, traps. Output must not depend on timing.
set -u
fact() { local n=$1; if (( n <= 1 )); then echo 1; else echo $(( n * $(fact $((n - 1))) )); fi; }
echo "fact 10 = $(fact 10)"
arr=(zebra apple "mango pie" kiwi)
arr+=(banana)
echo "n=${#arr[@]} first=${arr[0]} third=${arr[2]} slice=${arr[*]:1:2}"
IFS=$'\n' sorted=($(printf '%s\n' "${arr[@]}" | sort)); unset IFS
echo "sorted: ${sorted[*]}"
declare -A color=([apple]=red [kiwi]=green [banana]=yellow)
for k in $(printf '%s\n' "${!color[@]}" | sort); do echo "$k is ${color[$k]}"; done
s="Hello, World"; echo "${s,,} ${s^^} ${s/World/bash} ${#s} ${s:7}"
nested=$(echo "outer $(echo "inner $(echo deep)")"); echo "$nested"
diff <(printf 'a\nb\nc\n') <(printf 'a\nB\nc\n'); echo "diff status $?"
while read -r line; do echo "read: $line"; done < <(seq 3 | sed 's/^/line /')
paste <(seq 1 3) <(seq 4 6)
exec 3> >(tr a-z A-Z); echo 'to a process substitution' >&3; exec 3>&-; sleep 0.2
# wait -n: the first job to finish is the short one
sleep 0.6 & slow=$!
( sleep 0.1; exit 7 ) & fast=$!
wait -n; echo "wait -n status $?"
wait "$slow"; echo "slow status $?"
# traps: a signal handler, an ERR trap, an EXIT trap in a subshell
trap 'echo "got USR1"' USR1
kill -USR1 $$
echo "after USR1"
( trap 'echo "subshell exit trap"' EXIT; echo "in subshell" )
f() { trap 'echo "RETURN from f"' RETURN; echo "in f"; }
f; trap - RETURN
trap 'echo "ERR at line $LINENO"' ERR
false
trap - ERR
trap 'echo "TERM caught"; exit 3' TERM
( kill -TERM $$ ) ; sleep 0.2
echo "not reached"
