# Shared by the plot scripts (sourced): set-up, one data file per FILE[:label] argument, gnuplot clauses to a PNG.
# start_plot OUT TITLE: sets out and title, a temporary folder tmp (removed on exit) and an empty plots list.
start_plot() {
  out=${1:?out.png} title=${2:?title} tmp=$(mktemp -d) plots=()
  trap 'rm -rf "$tmp"' EXIT
}
# for_each_spec HANDLER SPEC...: calls HANDLER DAT FILE LABEL for each FILE[:label] (LABEL: the file's name when
# SPEC has none), DAT a fresh file in tmp for the handler to fill and add plot clauses for.
for_each_spec() {
  local handler=$1 i=0 spec label; shift
  for spec in "$@"; do
    label=${spec#*:}; [ "$label" = "$spec" ] && label=$(basename "$spec")
    "$handler" "$tmp/$i.dat" "${spec%%:*}" "$label"
    i=$((i + 1))
  done
}
# render_png OUT TITLE XLABEL YLABEL SETTINGS CLAUSE...: one plot of the clauses, SETTINGS before it (may be empty).
render_png() {
  local out=$1 title=$2 xlabel=$3 ylabel=$4 settings=$5; shift 5
  gnuplot <<GP
set terminal pngcairo size 900,560
set output '$out'
set title '$title'
set xlabel '$xlabel'
set ylabel '$ylabel'
set grid
$settings
plot $(IFS=,; echo "$*")
GP
  echo "wrote $out"
}
