# glix completion for bash: the dynamic layer.
#
# Sourced by the line `glix autocomplete script bash` prints, after oclif's
# generated completion (`_glix_autocomplete`, static lists of commands and
# flags). It completes what those lists cannot know:
#   --host <TAB>, --host=<TAB>   the repo's hosts (hosts/*/ holding a glix.toml)
#   show|remove|enable|disable|set <TAB>
#                                the [packages.NAME] tables of the host's glix.toml
#   --<TAB> after other flags    the command's flags (oclif's function only
#                                finds the command when no flag precedes it)
# and hands command names to `_glix_autocomplete`.
#
# Invariants: pure bash — no glix, node or other process runs on TAB (no
# command substitution on the hot paths). The repo is found as glix finds it
# (spec §1): --dir on the line; the nearest ancestor of $PWD holding
# flake.nix and hosts/; $GLIX_ROOT; $XDG_CONFIG_HOME/glixos;
# ~/.config/glixos. The host is --host on the line, else $GLIX_HOST, else
# the hostname up to the first dot. Nothing is written, nothing is cached.

# The package root (this file is <root>/completion/glix.bash); its
# dist/commands is the command list when oclif's cache is missing.
_glix_package_root=${BASH_SOURCE[0]%/*}/..
[[ $_glix_package_root == /* ]] || _glix_package_root=$PWD/$_glix_package_root

# Flags that take a value, so the word after them is not an argument. Keep in
# step with the commands (test/integration/completion.test.ts checks it
# against oclif.manifest.json).
_glix_value_flags=' --dir --host --name --pin --scope --user --registry-url --core --nixpkgs --home-manager --system '

# _glix_unquote WORD: REPLY = WORD without one layer of shell quoting, ~ expanded.
_glix_unquote() {
  local w=$1
  case $w in
    \'*\') w=${w:1:${#w}-2} ;;
    \"*\") w=${w:1:${#w}-2} ;;
    *) w=${w//\\/} ;;
  esac
  case $w in
    \~ | \~/*) w=$HOME${w:1} ;;
  esac
  REPLY=$w
}

_glix_is_root() {
  [[ -f $1/flake.nix && -d $1/hosts ]]
}

# _glix_find_root DIR: REPLY = the repo root (DIR is the --dir value, may be empty).
_glix_find_root() {
  local d
  if [[ -n $1 ]]; then
    _glix_unquote "$1"
    d=$REPLY
    [[ $d == /* ]] || d=$PWD/$d
    _glix_is_root "$d" || return 1
    REPLY=$d
    return 0
  fi
  d=$PWD
  while :; do
    if _glix_is_root "${d:-/}"; then
      REPLY=${d:-/}
      return 0
    fi
    [[ -z $d ]] && break
    d=${d%/*}
  done
  if [[ -n ${GLIX_ROOT:-} ]]; then
    d=$GLIX_ROOT
    [[ $d == /* ]] || d=$PWD/$d
    if _glix_is_root "$d"; then
      REPLY=$d
      return 0
    fi
  fi
  if [[ -n ${XDG_CONFIG_HOME:-} ]] && _glix_is_root "$XDG_CONFIG_HOME/glixos"; then
    REPLY=$XDG_CONFIG_HOME/glixos
    return 0
  fi
  if _glix_is_root "$HOME/.config/glixos"; then
    REPLY=$HOME/.config/glixos
    return 0
  fi
  return 1
}

# _glix_hosts ROOT: _glix_list = the hosts of the repo.
_glix_hosts() {
  local f h failglob=0
  _glix_list=()
  if shopt -q failglob; then
    failglob=1
    shopt -u failglob
  fi
  for f in "$1"/hosts/*/glix.toml; do
    [[ -f $f ]] || continue
    h=${f%/glix.toml}
    h=${h##*/}
    [[ $h =~ ^[A-Za-z][A-Za-z0-9_-]*$ ]] && _glix_list+=("$h")
  done
  ((failglob)) && shopt -s failglob
  return 0
}

# _glix_packages MANIFEST: _glix_list = the names of its [packages.NAME]
# tables ([packages.NAME.config] and other subtables are skipped).
_glix_packages() {
  local line re
  local -a lines
  re='^[[:space:]]*\[[[:space:]]*packages[[:space:]]*\.[[:space:]]*("([^"]*)"|'\''([^'\'']*)'\''|([A-Za-z0-9_-]+))[[:space:]]*\]'
  _glix_list=()
  [[ -r $1 ]] || return 0
  mapfile -t lines <"$1"
  for line in "${lines[@]}"; do
    [[ $line == *packages* ]] || continue
    [[ $line =~ $re ]] && _glix_list+=("${BASH_REMATCH[2]}${BASH_REMATCH[3]}${BASH_REMATCH[4]}")
  done
  return 0
}

# _glix_commands: _glix_ids and _glix_id_flags (parallel arrays) = every
# command id and its flags, from oclif's generated function (plugins
# included), else from the package's dist/commands.
_glix_commands() {
  local file=${GLIX_AC_BASH_COMPFUNC_PATH:-} line inside=0 f id failglob=0
  _glix_ids=()
  _glix_id_flags=()
  if [[ -n $file && -r $file ]]; then
    while IFS= read -r line; do
      if ((inside)); then
        [[ $line == '"' ]] && break
        [[ -n $line ]] || continue
        _glix_ids+=("${line%% *}")
        _glix_id_flags+=("${line#"${line%% *}"}")
      elif [[ $line == *'local commands="' ]]; then
        inside=1
      fi
    done <"$file"
  fi
  ((${#_glix_ids[@]})) && return 0
  if shopt -q failglob; then
    failglob=1
    shopt -u failglob
  fi
  for f in "$_glix_package_root"/dist/commands/*.js "$_glix_package_root"/dist/commands/*/*.js; do
    [[ -f $f ]] || continue
    id=${f#"$_glix_package_root"/dist/commands/}
    id=${id%.js}
    id=${id//\//:}
    [[ $id == autocomplete:* ]] && continue
    _glix_ids+=("$id")
    _glix_id_flags+=(' --dir --host')
  done
  ((failglob)) && shopt -s failglob
  return 0
}

# _glix_add CUR CANDIDATES...: COMPREPLY += the candidates that start with CUR.
_glix_add() {
  local cur=$1 c
  shift
  for c in "$@"; do
    [[ $c == "$cur"* ]] && COMPREPLY+=("$c")
  done
  return 0
}

# _glix_words: words and cword = the words up to the cursor as the user
# typed them: bash splits `--host=pi` and `~/a:b` at COMP_WORDBREAKS, so
# words that touch in the line are glued back together.
_glix_words() {
  local line=${COMP_LINE:0:COMP_POINT} pos=0 i s t gap
  words=()
  cword=-1
  for ((i = 0; i <= COMP_CWORD; i++)); do
    s=${line:pos}
    t=${s#"${s%%[![:space:]]*}"}
    gap=$((${#s} - ${#t}))
    if ((i > 0 && gap == 0 && cword >= 0)); then
      words[cword]+=${COMP_WORDS[i]}
    else
      words+=("${COMP_WORDS[i]}")
      cword=$((cword + 1))
    fi
    pos=$((pos + gap + ${#COMP_WORDS[i]}))
  done
}

_glix_dynamic() {
  local -a words=() args=()
  local cword cur w i dir='' host='' expect='' keep='' dashdash=0 root IFS=$' \t\n'
  _glix_words
  cur=${words[cword]}
  COMPREPLY=()

  # Read the line: flags (and their values) anywhere, the rest are arguments.
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    if ((dashdash)); then
      args+=("$w")
      continue
    fi
    case $w in
      --) dashdash=1 ;;
      --host=*) host=${w#--host=} ;;
      --dir=*) dir=${w#--dir=} ;;
      -*=*) ;;
      -*)
        if [[ $_glix_value_flags == *" $w "* ]]; then
          if ((i + 1 < cword)); then
            i=$((i + 1))
            [[ $w == --host ]] && host=${words[i]}
            [[ $w == --dir ]] && dir=${words[i]}
          else
            expect=$w
          fi
        fi
        ;;
      *) args+=("$w") ;;
    esac
  done

  # The value of a flag.
  if [[ -z $expect && $dashdash == 0 && $cur == --*=* ]]; then
    expect=${cur%%=*}
    cur=${cur#*=}
    # Without `=` in COMP_WORDBREAKS, bash replaces the whole word.
    [[ $COMP_WORDBREAKS == *=* ]] || keep=$expect=
  fi
  if [[ -n $expect ]]; then
    case $expect in
      --host)
        compopt +o default 2>/dev/null
        _glix_find_root "$dir" || return 0
        _glix_hosts "$REPLY"
        _glix_add "$cur" "${_glix_list[@]}"
        ;;
      --scope)
        compopt +o default 2>/dev/null
        _glix_add "$cur" system home
        ;;
    esac
    # Other values (--dir, --pin, …): the default completion (file names).
    if [[ -n $keep ]]; then
      for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=$keep${COMPREPLY[i]}; done
    fi
    return 0
  fi

  # Flags, wherever they are on the line.
  if ((!dashdash)) && [[ $cur == -* ]]; then
    compopt +o default 2>/dev/null
    _glix_commands
    local best=-1 j flags=' --dir --host --help'
    w=''
    for ((i = 0; i < ${#args[@]}; i++)); do
      w+=${w:+:}${args[i]}
      for j in "${!_glix_ids[@]}"; do
        [[ ${_glix_ids[j]} == "$w" ]] && best=$j
      done
    done
    ((best >= 0)) && flags="${_glix_id_flags[best]} --help"
    ((best < 0 && ${#args[@]} == 0)) && flags+=' --version'
    _glix_add "$cur" $flags
    return 0
  fi

  # The package argument.
  if ((${#args[@]} == 1)); then
    case ${args[0]} in
      show | remove | enable | disable | set)
        compopt +o default 2>/dev/null
        _glix_find_root "$dir" || return 0
        root=$REPLY
        if [[ -n $host ]]; then
          _glix_unquote "$host"
          host=$REPLY
        else
          host=${GLIX_HOST:-${HOSTNAME%%.*}}
        fi
        [[ $host =~ ^[A-Za-z][A-Za-z0-9_-]*$ ]] || return 0
        _glix_packages "$root/hosts/$host/glix.toml"
        _glix_add "$cur" "${_glix_list[@]}"
        return 0
        ;;
    esac
  fi

  # Command names: oclif's function, given the line without flags.
  if declare -F _glix_autocomplete >/dev/null; then
    local -a COMP_WORDS=(glix "${args[@]}" "$cur")
    local COMP_CWORD=$((${#args[@]} + 1))
    _glix_autocomplete
    return 0
  fi
  _glix_commands
  local prefix='' seen=' ' next
  for w in "${args[@]}"; do prefix+=${prefix:+:}$w; done
  for w in "${_glix_ids[@]}"; do
    if [[ -z $prefix ]]; then
      next=${w%%:*}
    elif [[ $w == "$prefix":* ]]; then
      next=${w#"$prefix":}
      next=${next%%:*}
    else
      continue
    fi
    [[ $seen == *" $next "* ]] && continue
    seen+="$next "
    _glix_add "$cur" "$next"
  done
  return 0
}

complete -o default -F _glix_dynamic glix
