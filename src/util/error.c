/*
 * Per-thread error state: the code and message of the last failure, set once
 * where it happened and read by whoever reports it (CLI, server).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

#define GR_ERRMSG_MAX 1024

static _Thread_local int err_code;
static _Thread_local char err_msg[GR_ERRMSG_MAX];

int gr_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	va_end(ap);
	err_code = code;
	return code;
}

int gr_error_errno(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof err_msg)
		snprintf(err_msg + n, sizeof err_msg - (size_t)n, ": %s", strerror(saved));
	err_code = code;
	return code;
}

int gr_error_wrap(int code, const char *fmt, ...)
{
	char prefix[512], old[GR_ERRMSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err_msg, sizeof old);
	/* truncation of an over-long message is acceptable; build it by hand */
	size_t lp = strnlen(prefix, sizeof prefix), lo = strnlen(old, sizeof old - 1);
	size_t n = lp < sizeof err_msg - 1 ? lp : sizeof err_msg - 1;
	memcpy(err_msg, prefix, n);
	if (lo && n + 2 < sizeof err_msg) {
		memcpy(err_msg + n, ": ", 2);
		n += 2;
		size_t k = lo < sizeof err_msg - 1 - n ? lo : sizeof err_msg - 1 - n;
		memcpy(err_msg + n, old, k);
		n += k;
	}
	err_msg[n] = '\0';
	err_code = code;
	return code;
}

const char *gr_error_last(void)
{
	return err_msg[0] ? err_msg : "unknown error";
}

int gr_error_code(void)
{
	return err_code;
}

void gr_error_clear(void)
{
	err_code = 0;
	err_msg[0] = '\0';
}

const char *gr_err_name(int code)
{
	switch (code) {
	case GR_OK: return "OK";
	case GR_ENOTFOUND: return "ENOTFOUND";
	case GR_EINVAL: return "EINVAL";
	case GR_ECORRUPT: return "ECORRUPT";
	case GR_EIO: return "EIO";
	case GR_ELIMIT: return "ELIMIT";
	case GR_EPERM: return "EPERM";
	case GR_EBUSY: return "EBUSY";
	case GR_EEXIST: return "EEXIST";
	case GR_ENOMEM: return "ENOMEM";
	case GR_EINTR: return "EINTR";
	default: return "ERROR";
	}
}
