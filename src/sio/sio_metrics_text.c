/* The Prometheus text exposition format (0.0.4) as written by the metrics:
 * # HELP and # TYPE lines, samples with escaped label values. Pure: appends
 * to a byte builder, knows nothing of the server. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sio/sio_metrics.h"

void sio_metrics_family(sio_metrics_out_t *out, const char *name, const char *type,
                        const char *help) {
  if (!out || !name || !type) return;
  sio__sb_t *sb = &out->sb;
  sio__sb_printf(sb, "# HELP %s ", name);
  /* In HELP text only backslash and newline are escaped. */
  for (const char *p = help ? help : ""; *p; p++) {
    if (*p == '\\')
      sio__sb_puts(sb, "\\\\");
    else if (*p == '\n')
      sio__sb_puts(sb, "\\n");
    else
      sio__sb_putc(sb, *p);
  }
  sio__sb_printf(sb, "\n# TYPE %s %s\n", name, type);
}

static void put_label_value(sio__sb_t *sb, const char *v, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (v[i] == '\\')
      sio__sb_puts(sb, "\\\\");
    else if (v[i] == '"')
      sio__sb_puts(sb, "\\\"");
    else if (v[i] == '\n')
      sio__sb_puts(sb, "\\n");
    else
      sio__sb_putc(sb, v[i]);
  }
}

void sio__metrics_labels(sio_metrics_out_t *out, const char *name,
                         const sio__metrics_label_t *labels, size_t n) {
  sio__sb_t *sb = &out->sb;
  sio__sb_puts(sb, name);
  if (!n) return;
  sio__sb_putc(sb, '{');
  for (size_t i = 0; i < n; i++) {
    if (i) sio__sb_putc(sb, ',');
    sio__sb_puts(sb, labels[i].name);
    sio__sb_puts(sb, "=\"");
    put_label_value(sb, labels[i].value, labels[i].len);
    sio__sb_putc(sb, '"');
  }
  sio__sb_putc(sb, '}');
}

void sio_metrics_sample_u64(sio_metrics_out_t *out, const char *name, const char *label,
                            const char *label_value, uint64_t value) {
  if (!out || !name) return;
  const char *v = label_value ? label_value : "";
  sio__metrics_label_t l = {label, v, strlen(v)};
  sio__metrics_labels(out, name, &l, label ? 1 : 0);
  sio__sb_putc(&out->sb, ' ');
  sio__sb_put_u64(&out->sb, value);
  sio__sb_putc(&out->sb, '\n');
}

void sio_metrics_sample(sio_metrics_out_t *out, const char *name, const char *label,
                        const char *label_value, double value) {
  if (!out || !name) return;
  const char *v = label_value ? label_value : "";
  sio__metrics_label_t l = {label, v, strlen(v)};
  sio__metrics_labels(out, name, &l, label ? 1 : 0);
  /* Go's ParseFloat spellings, which Prometheus reads. */
  if (isnan(value))
    sio__sb_puts(&out->sb, " NaN\n");
  else if (isinf(value))
    sio__sb_puts(&out->sb, value > 0 ? " +Inf\n" : " -Inf\n");
  else
    sio__sb_printf(&out->sb, " %.17g\n", value);
}
