#!/usr/bin/env bash
# Fails if libuv shows through outside the io layer: only src/io may include
# <uv.h> or name anything of libuv's (a call, a type, a UV_ constant). The
# other layers see the loop type alone (uv_loop_t, declared by the io headers
# or given by the public API). Public headers in include/sio/ may include
# <uv.h> when they take a uv_loop_t (the user passes one in); they name no
# other libuv symbol. Comments and string literals are not looked at. The
# pure codecs (listed below) must not reach libuv or src/io even indirectly.
#
#   scripts/check_layers.sh        (from anywhere; exit 1 lists each offence)
#
# libsio-redis is held to the same rule but for src/redis/redis_conn_uv.c,
# the one file that owns its Redis sockets, timers and loop clock.
# libsio-admin has no exception: its timer and thread-pool work go through
# the server's public background services (src/io/background.c).
set -euo pipefail
cd "$(dirname "$0")/.."

files=()
while IFS= read -r f; do
  case "$f" in
    src/io/*) ;;    # the layer that owns libuv
    src/redis/redis_conn_uv.c) ;; # libsio-redis's libuv glue
    *) files+=("$f") ;;
  esac
done < <(find src include -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)

perl -e '
  my $bad = 0;
  for my $f (@ARGV) {
    open(my $fh, "<", $f) or die "$f: $!\n";
    local $/;
    my $text = <$fh>;
    close $fh;
    my $public = $f =~ m{^include/};
    # Comments out (their newlines kept, so line numbers hold), strings kept.
    my $code = $text;
    $code =~ s{("(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)|/\*.*?\*/|//[^\n]*}
              {defined $1 ? $1 : join("", $& =~ /\n/g)}gse;
    my @lines = split /\n/, $code, -1;
    for my $i (0 .. $#lines) {
      my $l = $lines[$i];
      if ($l =~ /^\s*#\s*include\s*[<"]uv\.h[>"]/) {
        next if $public && $code =~ /\buv_loop_t\b/;
        print "$f:", $i + 1, ": includes <uv.h> (only src/io may)\n";
        $bad = 1;
        next;
      }
      next if $l =~ /^\s*#\s*include\b/;
      (my $bare = $l) =~ s{"(?:\\.|[^"\\])*"|\x27(?:\\.|[^\x27\\])*\x27}{""}g;
      while ($bare =~ /\b((?:uv|UV)_[A-Za-z0-9_]*)/g) {
        my $name = $1;
        next if $name eq "uv_loop_t" || $name eq "uv_loop_s";
        print "$f:", $i + 1, ": uses libuv ($name; only src/io may)\n";
        $bad = 1;
      }
    }
  }
  exit $bad;
' "${files[@]}" || {
  echo "check_layers: libuv outside src/io (see above)" >&2
  exit 1
}
echo "check_layers: libuv stays in src/io (${#files[@]} files checked)"

# The pure codecs do no I/O: nothing they include, however indirectly, is
# libuv or a header of src/io (includes are followed through src/ and
# include/, the build's include paths).
codecs=(src/http/http_parse.c src/ws/ws_frame.c src/ws/ws_handshake.c src/ws/ws_pmd.c
  src/ws/ws_deflate.c
  src/eio/eio_packet.c src/eio/eio_v3.c)
perl -e '
  my $bad = 0;
  for my $start (@ARGV) {
    my %seen;
    my @todo = ($start);
    while (defined(my $f = shift @todo)) {
      next if $seen{$f}++;
      open(my $fh, "<", $f) or die "$f: $!\n";
      while (my $l = <$fh>) {
        next unless $l =~ /^\s*#\s*include\s*[<"]([^>"]+)[>"]/;
        my $name = $1;
        if ($name eq "uv.h" || $name =~ m{^io/}) {
          print "$start: includes $name (through $f), not sans-I/O\n";
          $bad = 1;
          next;
        }
        for my $dir ("src", "include") {
          my $p = "$dir/$name";
          if (-f $p) { push @todo, $p; last; }
        }
      }
      close $fh;
    }
  }
  exit $bad;
' "${codecs[@]}" || {
  echo "check_layers: a codec reaches I/O (see above)" >&2
  exit 1
}
echo "check_layers: the codecs include no I/O (${#codecs[@]} checked)"
