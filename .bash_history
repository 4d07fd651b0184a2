cd /work/wt-net6 && ./bin/tuml quiet; echo "EXIT=$?"
clear
stty -a
echo host-$((6 * 7))
