/** CDI wiring: the engine producer, the backend context, startup validation. */
@NullMarked
package dev.presence.web.cdi;

import org.jspecify.annotations.NullMarked;
