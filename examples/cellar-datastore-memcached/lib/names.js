// What a memcached (SASL) user may be called, for both halves: the API checks it before any RPC,
// the guest again before a name reaches saslpasswd2.

/** No `@` (SASL's realm separator) and no leading `-` (it would read as an option). */
export const userName = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const USER_NAME_MAX = 64;
