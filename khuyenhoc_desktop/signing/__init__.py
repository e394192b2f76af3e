"""Digital signatures (pyHanko, no Qt): signing identities (PKCS#12 file or PKCS#11 token),
PAdES signatures on PDFs, detached CMS signatures (`.p7s`) for any other file, verification
in plain Vietnamese, and the user's own trusted root certificates.

- `identity`: `load_pkcs12`, `find_pkcs11_libraries`, `list_token_certificates`,
  `open_token_signer`, the persisted `IdentitySetting` (never a PIN or passphrase).
- `pdf_sign`: `sign_pdf`, `verify_pdf`, `draw_signature_box`.
- `cms`: `sign_detached`, `verify_detached`.
- `trust`: `import_root`, `list_roots`, `remove_root`, `trusted_root_paths`.
- `verdict`: `Verdict`, the result of every verification.
"""
