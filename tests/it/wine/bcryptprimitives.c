/* Test support only, never shipped. Wine 8 has no bcryptprimitives.dll, whose ProcessPrng the
 * Rust standard library imports, so no Rust .exe starts under it. This stand-in, placed next to
 * the .exe the tests run, answers ProcessPrng from advapi32's RtlGenRandom. */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE out, SIZE_T size)
{
    SIZE_T done = 0;
    while (done < size) {
        SIZE_T left = size - done;
        ULONG part = left > 0x40000000 ? 0x40000000 : (ULONG)left;
        if (!RtlGenRandom(out + done, part))
            return FALSE;
        done += part;
    }
    return TRUE;
}
