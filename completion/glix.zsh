# glix completion for zsh: the dynamic layer.
#
# Sourced by the line `glix autocomplete script zsh` prints, after oclif's
# setup (compinit with oclif's generated `_glix` on $fpath: static lists of
# commands and flags). It completes what those lists cannot know:
#   --host <TAB>, --host=<TAB>   the repo's hosts (hosts/*/ holding a glix.toml)
#   show|remove|enable|disable|set <TAB>
#                                the [packages.NAME] tables of the host's glix.toml
# and hands everything else (commands, flags, other flag values) to `_glix`.
#
# Invariants: pure zsh — no glix, node or other process runs on TAB. The repo
# is found as glix finds it (spec §1): --dir on the line; the nearest
# ancestor of $PWD holding flake.nix and hosts/; $GLIX_ROOT;
# $XDG_CONFIG_HOME/glixos; ~/.config/glixos. The host is --host on the line,
# else $GLIX_HOST, else the hostname up to the first dot. Nothing is
# written, nothing is cached.

# The package root (this file is <root>/completion/glix.zsh); its
# dist/commands is the command list when oclif's `_glix` is missing.
typeset -g _glix_package_root=${${(%):-%x}:A:h:h}

# Flags that take a value, so the word after them is not an argument. Keep in
# step with the commands (test/integration/completion.test.ts checks it
# against oclif.manifest.json).
typeset -g _glix_value_flags=' --dir --host --name --pin --scope --user --registry-url --core --nixpkgs --home-manager --system '

# _glix_find_root DIR: REPLY = the repo root (DIR is the --dir value, may be empty).
_glix_find_root() {
  emulate -L zsh
  local d
  if [[ -n $1 ]]; then
    d=${(Q)1}
    [[ $d == '~' || $d == '~/'* ]] && d=$HOME${d#\~}
    [[ $d == /* ]] || d=$PWD/$d
    [[ -f $d/flake.nix && -d $d/hosts ]] || return 1
    REPLY=$d
    return 0
  fi
  d=$PWD
  while true; do
    if [[ -f ${d:-/}/flake.nix && -d ${d:-/}/hosts ]]; then
      REPLY=${d:-/}
      return 0
    fi
    [[ -z $d ]] && break
    d=${d%/*}
  done
  local -a candidates=()
  if [[ -n $GLIX_ROOT ]]; then
    d=$GLIX_ROOT
    [[ $d == /* ]] || d=$PWD/$d
    candidates+=($d)
  fi
  [[ -n $XDG_CONFIG_HOME ]] && candidates+=($XDG_CONFIG_HOME/glixos)
  candidates+=($HOME/.config/glixos)
  for d in $candidates; do
    if [[ -f $d/flake.nix && -d $d/hosts ]]; then
      REPLY=$d
      return 0
    fi
  done
  return 1
}

# _glix_hosts ROOT: _glix_list = the hosts of the repo.
_glix_hosts() {
  emulate -L zsh
  local f h
  _glix_list=()
  for f in $1/hosts/*/glix.toml(N-.); do
    h=${f:h:t}
    [[ $h =~ '^[A-Za-z][A-Za-z0-9_-]*$' ]] && _glix_list+=($h)
  done
  return 0
}

# _glix_packages MANIFEST: _glix_list = the names of its [packages.NAME]
# tables ([packages.NAME.config] and other subtables are skipped).
_glix_packages() {
  emulate -L zsh
  local line re
  re='^[[:space:]]*\[[[:space:]]*packages[[:space:]]*\.[[:space:]]*("([^"]*)"|'\''([^'\'']*)'\''|([A-Za-z0-9_-]+))[[:space:]]*\]'
  _glix_list=()
  [[ -r $1 ]] || return 0
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ $re ]] && _glix_list+=("$match[2]$match[3]$match[4]")
  done <$1
  return 0
}

# _glix_parse: reads the line up to the cursor — flags (and their values)
# anywhere, the rest are arguments — into the caller's args, dir, host,
# expect (the flag whose value is being completed) and dashdash.
_glix_parse() {
  emulate -L zsh
  local w
  local -i i
  for (( i = 2; i < CURRENT; i++ )); do
    w=$words[i]
    if (( dashdash )); then
      args+=($w)
      continue
    fi
    case $w in
      --) dashdash=1 ;;
      --host=*) host=${w#--host=} ;;
      --dir=*) dir=${w#--dir=} ;;
      -*=*) ;;
      -*)
        if [[ $_glix_value_flags == *" $w "* ]]; then
          if (( i + 1 < CURRENT )); then
            (( i++ ))
            [[ $w == --host ]] && host=$words[i]
            [[ $w == --dir ]] && dir=$words[i]
          else
            expect=$w
          fi
        fi
        ;;
      *) args+=($w) ;;
    esac
  done
  host=${(Q)host}
  return 0
}

# Commands, flags and other values: oclif's `_glix`, else a short list.
_glix_fallback() {
  if (( $+functions[_glix] )); then
    _glix "$@"
    return
  fi
  local cur=$words[CURRENT] prefix=${(j.:.)args} id next expl
  local -a ids next_words
  if [[ $cur == -* ]]; then
    next_words=(--dir --host --help)
    _wanted flags expl flag compadd -a next_words
    return
  fi
  ids=($_glix_package_root/dist/commands/*.js(N) $_glix_package_root/dist/commands/*/*.js(N))
  ids=(${${ids#$_glix_package_root/dist/commands/}%.js})
  for id in ${ids//\//:}; do
    [[ $id == autocomplete:* ]] && continue
    if [[ -z $prefix ]]; then
      next=${id%%:*}
    elif [[ $id == $prefix:* ]]; then
      next=${${id#$prefix:}%%:*}
    else
      continue
    fi
    next_words+=($next)
  done
  if (( $#next_words )); then
    _wanted commands expl command compadd -a next_words
  else
    _files
  fi
}

_glix_dynamic() {
  local dir='' host='' expect='' REPLY expl
  local -i dashdash=0
  local -a args _glix_list
  _glix_parse

  if [[ -z $expect && $dashdash == 0 && $words[CURRENT] == --host=* ]]; then
    compset -P '--host='
    expect=--host
  fi
  if [[ $expect == --host ]]; then
    _glix_find_root $dir || return 1
    _glix_hosts $REPLY
    _wanted hosts expl host compadd -a _glix_list
    return
  fi

  if [[ -z $expect && $words[CURRENT] != -* && $#args == 1 && $args[1] == (show|remove|enable|disable|set) ]]; then
    _glix_find_root $dir || return 1
    [[ -n $host ]] || host=${GLIX_HOST:-${HOST%%.*}}
    [[ $host =~ '^[A-Za-z][A-Za-z0-9_-]*$' ]] || return 1
    _glix_packages $REPLY/hosts/$host/glix.toml
    _wanted packages expl package compadd -a _glix_list
    return
  fi

  _glix_fallback "$@"
}

(( $+functions[compdef] )) || { autoload -Uz compinit && compinit }
compdef _glix_dynamic glix
