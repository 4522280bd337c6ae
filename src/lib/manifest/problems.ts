/**
 * Field-rule problems found while reading manifests (spec §1: "a manifest
 * that breaks a rule is reported by read commands and refused by anything
 * that would act on it").
 *
 * A manifest whose structure is wrong (bad TOML, wrong schema, a value of
 * the wrong type) cannot be read at all: that is a ManifestError. A value
 * that is well-typed but breaks its field's rule (src/lib/validate.ts) —
 * a keyword as a package name, a pin with URL syntax, a target_host that
 * starts with '-' — is read, and reported here: the command layer prints
 * each one once as a warning after a command that succeeds, and whatever
 * would act on the value (writing flake.nix, building the nixos-rebuild or
 * ssh command line) refuses it at that point with its own error.
 *
 * Invariant: one process-wide list, cleared by the command layer before
 * each command; a problem is recorded once however often its manifest is
 * read.
 */

const found = new Set<string>()

/** Records one problem (a one-line message naming the file and key). */
export function reportProblem(message: string): void {
  found.add(message)
}

/** The problems recorded so far that name `file` (to say them again when its parse is reused). */
export function peekProblems(file: string): string[] {
  return [...found].filter((message) => message.startsWith(`${file}: `))
}

/** Returns the problems recorded since the last call, and forgets them. */
export function takeProblems(): string[] {
  const list = [...found]
  found.clear()
  return list
}
