// libpq's client API (Debian's libpq-dev) for the GreenPatch tests.
#include <libpq-fe.h>
