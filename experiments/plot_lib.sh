# Shared by the plot scripts (sourced): set-up, FILE[:label] arguments, gnuplot plot clauses rendered to a PNG.
# start_plot OUT TITLE: sets out and title, a temporary folder tmp (removed on exit) and an empty plots list.
start_plot() {
  out=${1:?out.png} title=${2:?title} tmp=$(mktemp -d) plots=()
  trap 'rm -rf "$tmp"' EXIT
}
# spec_file SPEC / spec_label SPEC: the file, and the label (the file's name when SPEC has none).
spec_file() { echo "${1%%:*}"; }
spec_label() { local label=${1#*:}; [ "$label" = "$1" ] && label=$(basename "$1"); echo "$label"; }
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
