#!/usr/bin/env bash
# Fails when the repository's text points outside the repository:
#  - a path of a build machine (the absolute /work tree, or a ../shared
#    folder next to the checkout) in any tracked file;
#  - a citation of a Markdown file (NAME.md, dir/NAME.md) in the code, tests,
#    tools, examples or docs that names no file of the repository (looked up
#    from the repository root and from the citing file's folder; URLs are
#    not citations);
#  - a tracker number in place of an explanation ("issue #12", "issue 12",
#    "(#12)", "see #12").
# Prints each offending line as file:line: text. Exit status 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
self=scripts/check_text.sh

# The patterns are split so that this script does not match itself.
work_re='/wo''rk/'
shared_re='\.\./sha''red\b'
mapfile -d '' files < <(git ls-files -z)

# 1. Paths of a build machine.
if hits=$(printf '%s\0' "${files[@]}" | grep -zv "^$self\$" |
  xargs -0 grep -nIE "$work_re|$shared_re" -- 2>/dev/null); then
  echo "check_text: paths outside the repository:" >&2
  echo "$hits" >&2
  status=1
fi

# 2. Markdown citations that name no repository file.
cited=(src include tests tools fuzz bench examples scripts docs README.md)
mapfile -d '' cfiles < <(git ls-files -z -- "${cited[@]}")
# The Perl program is single-quoted on purpose (SC2016).
# shellcheck disable=SC2016
bad_md=$(
  printf '%s\0' "${cfiles[@]}" | grep -zv "^$self\$" | xargs -0 perl -e '
    use strict;
    use warnings;
    use File::Basename qw(dirname);
    use File::Spec;
    for my $file (@ARGV) {
      open(my $fh, "<", $file) or next;
      -B $file and next;
      my $dir = dirname($file);
      while (my $line = <$fh>) {
        while ($line =~ m{((?:/|(?:\.{1,2}/)*)[A-Za-z0-9_][A-Za-z0-9_./-]*\.md)\b}g) {
          my $ref = $1;
          my $before = substr($line, 0, $-[1]);
          # Part of a URL (scheme, then no blank up to here): not a citation.
          next if ($before . substr($ref, 0, 1)) =~ m{[A-Za-z][A-Za-z0-9+.-]*://\S*$};
          # A package name or a path inside node_modules is not ours either.
          next if $before =~ m{(?:\@|node_modules/)\S*$};
          my $ok = 0;
          for my $base ($ref =~ m{^/} ? () : (".", $dir)) {
            my $p = File::Spec->canonpath("$base/$ref");
            1 while $p =~ s{(^|/)(?!\.\.)[^/]+/\.\.(/|$)}{$1};
            next if $p =~ m{^\.\./} || $p eq "..";
            if (-f $p) { $ok = 1; last }
          }
          print "$file:$.: $ref\n" unless $ok;
        }
      }
      close($fh);
    }
  '
)
if [[ -n $bad_md ]]; then
  echo "check_text: citations of Markdown files that are not in the repository:" >&2
  echo "$bad_md" >&2
  status=1
fi

# 3. Tracker numbers instead of words.
issue_re='\b(issue|issues|bug|PR|pull request)[ ]?#?[0-9]+\b|\(#[0-9]+\)|\bsee #[0-9]+\b'
if hits=$(printf '%s\0' "${cfiles[@]}" | grep -zv "^$self\$" |
  xargs -0 grep -nIiE "$issue_re" -- 2>/dev/null); then
  echo "check_text: tracker numbers (say what is meant instead):" >&2
  echo "$hits" >&2
  status=1
fi

if ((status == 0)); then echo "check_text: ok"; fi
exit "$status"
