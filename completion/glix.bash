# glix completion for bash: the engine.
#
# `glix autocomplete script bash` prints the completion table of the
# installed glix and its plugins (the associative array _glix_data, built
# from oclif's manifests by src/lib/completion/model.ts, whose header lists
# its keys), then this file. Nothing here names a command or a flag: the
# table says which commands, topics and flags exist, which flags take a
# value, which values a flag or argument allows, and which values are live.
# Live values are read from the repo on each TAB:
#   host       hosts/<name>/ directories holding a glix.toml (comma lists too)
#   package    the [packages.<name>] tables of the host's glix.toml
#   *-setting  key=value pairs; the keys of [packages.<name>.config]
#   command    command paths (help)
#
# Invariants:
# - No process runs on TAB: pure bash, no command substitution, no eval.
# - Repo content never becomes code or an inserted word it should not be.
#   Package headers are read by a line scanner that tracks TOML multi-line
#   strings (a header inside `"""…"""` is text, not a table); every live
#   name must pass the name rule (table keys `name`, `keywords`, `reserved`) and every candidate is
#   a plain token or inserted %q-quoted. Words from the line are looked up
#   in the table only when they are plain words, and never in an
#   arithmetic or `-v` context (where bash would expand a subscript twice).
# - The repo is found as glix finds it (spec §1): --dir on the line; the
#   nearest ancestor of $PWD holding flake.nix and hosts/; $GLIX_ROOT;
#   $XDG_CONFIG_HOME/glixos; ~/.config/glixos. The host is --host on the
#   line, else $GLIX_HOST, else the hostname up to the first dot.

# Sourced without a table (an rc line from an older glix): leave whatever
# completion is already set up alone.
if [[ ${_glix_data[format]-} != 1 ]]; then
  return 0
fi

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

# _glix_valid_name NAME [package]: true when NAME passes glix's name rule
# (ASCII only, not a Nix keyword; for a package, not a reserved name).
_glix_valid_name() {
  local LC_ALL=C re=${_glix_data[name]}
  [[ $1 =~ $re && ${_glix_data[keywords]} != *" $1 "* ]] || return 1
  [[ ${2-} != package || ${_glix_data[reserved]} != *" $1 "* ]]
}

# _glix_plain WORD: true when WORD may be used as part of a table key.
_glix_plain() {
  local LC_ALL=C re='^-{0,2}[A-Za-z0-9][A-Za-z0-9_.:-]*$'
  [[ $1 =~ $re ]]
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
    _glix_valid_name "$h" && _glix_list+=("$h")
  done
  ((failglob)) && shopt -s failglob
  return 0
}

# _glix_toml_strings LINE: updates _glix_ml, the multi-line string LINE
# leaves open (0 none, 1 basic """, 2 literal '''), given the one it
# starts in. Single-line strings and comments are skipped on the way.
_glix_toml_strings() {
  local line=$1 c
  local -i k n=${#1} s=$_glix_ml
  for ((k = 0; k < n; k++)); do
    c=${line:k:1}
    case $s in
      0)
        case $c in
          '#') break ;;
          '"') if [[ ${line:k:3} == '"""' ]]; then s=1 k+=2; else s=3; fi ;;
          "'") if [[ ${line:k:3} == "'''" ]]; then s=2 k+=2; else s=4; fi ;;
        esac
        ;;
      1)
        if [[ $c == '\' ]]; then
          k+=1
        elif [[ ${line:k:3} == '"""' ]]; then
          s=0 k+=2
        fi
        ;;
      2) [[ ${line:k:3} == "'''" ]] && s=0 k+=2 ;;
      3)
        case $c in
          '\') k+=1 ;;
          '"') s=0 ;;
        esac
        ;;
      4) [[ $c == "'" ]] && s=0 ;;
    esac
  done
  ((s == 1 || s == 2)) || s=0
  _glix_ml=$s
}

# _glix_toml_scan MANIFEST [PACKAGE SUBTABLE]: _glix_list = the names of
# the [packages.NAME] tables ([packages.NAME.SUB] and other subtables are
# skipped); with PACKAGE, the bare keys of [packages.PACKAGE.SUBTABLE]
# instead. Lines inside multi-line strings are text, never headers or keys.
_glix_toml_scan() {
  local line want=${2-} sub=${3-} inside=0 name q='["'\'']?'
  local -i _glix_ml=0
  local -a lines
  local header='^[[:space:]]*\[[[:space:]]*packages[[:space:]]*\.[[:space:]]*("([^"]*)"|'\''([^'\'']*)'\''|([A-Za-z0-9_-]+))[[:space:]]*(\.[[:space:]]*'$q'([A-Za-z0-9_-]+)'$q'[[:space:]]*)?\][[:space:]]*(#.*)?$'
  local key='^[[:space:]]*([A-Za-z0-9_-]+)[[:space:]]*='
  _glix_list=()
  [[ -f $1 && -r $1 ]] || return 0
  mapfile -t lines <"$1"
  for line in "${lines[@]}"; do
    if ((_glix_ml)); then
      # Inside a multi-line string: only its end matters.
      [[ $line == *'"""'* || $line == *"'''"* ]] && _glix_toml_strings "$line"
      continue
    fi
    if [[ $line =~ ^[[:space:]]*\[ ]]; then
      inside=0
      if [[ $line =~ $header ]]; then
        name=${BASH_REMATCH[2]}${BASH_REMATCH[3]}${BASH_REMATCH[4]}
        if [[ -z $want ]]; then
          [[ -z ${BASH_REMATCH[5]} ]] && _glix_valid_name "$name" package && _glix_list+=("$name")
        elif [[ $name == "$want" && ${BASH_REMATCH[6]} == "$sub" ]]; then
          inside=1
        fi
      fi
    elif ((inside)) && [[ $line =~ $key ]]; then
      _glix_list+=("${BASH_REMATCH[1]}")
    fi
    [[ $line == *'"""'* || $line == *"'''"* ]] && _glix_toml_strings "$line"
  done
  return 0
}

# _glix_words: words and cword = the words up to the cursor as the user
# typed them: bash splits `--host=pi` and `a:b` at COMP_WORDBREAKS, so words
# that touch in the line are glued back together.
_glix_words() {
  local line=${COMP_LINE:0:COMP_POINT} s t
  local -i pos=0 i gap start=0
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
      start=$((pos + gap))
    fi
    pos=$((pos + gap + ${#COMP_WORDS[i]}))
  done
  # The current word up to the cursor only.
  words[cword]=${line:start}
}

# _glix_offer PREFIX LIST: cands += PREFIX+each word of the space-separated LIST.
_glix_offer() {
  local c pre=$1
  local IFS=' '
  for c in $2; do
    cands+=("$pre$c")
  done
}

# _glix_note FLAG VALUE: remembers --host and --dir values (table key L/FLAG).
_glix_note() {
  _glix_plain "$1" || return 0
  case ${_glix_data[L/$1]-} in
    host) host=$2 ;;
    directory) dir=$2 ;;
  esac
}

# _glix_takes_value FLAG: true when FLAG takes a value in the current command.
_glix_takes_value() {
  _glix_plain "$1" || return 1
  local list
  if [[ -n $cmd ]]; then list=${_glix_data[v/$cmd]-}; else list=${_glix_data[gv]-}; fi
  [[ $list == *" $1 "* ]]
}

# _glix_current_host: REPLY = the host packages are read from, validated.
_glix_current_host() {
  if [[ -n $host ]]; then
    _glix_unquote "$host"
  else
    REPLY=${GLIX_HOST:-${HOSTNAME%%.*}}
  fi
  _glix_valid_name "$REPLY"
}

# _glix_live KIND PREFIX VALUE: cands += the live values of KIND matching VALUE.
_glix_live() {
  local kind=$1 pre=$2 value=$3 root key h done
  case $kind in
    host)
      _glix_find_root "$dir" || return 0
      _glix_hosts "$REPLY"
      # A comma list: complete its last element, without the hosts before it.
      done=${value%"${value##*,}"}
      for h in "${_glix_list[@]}"; do
        [[ ,$done == *",$h,"* ]] || cands+=("$pre$done$h")
      done
      ;;
    package)
      _glix_find_root "$dir" || return 0
      root=$REPLY
      _glix_current_host || return 0
      _glix_toml_scan "$root/hosts/$REPLY/glix.toml"
      for h in "${_glix_list[@]}"; do cands+=("$pre$h"); done
      ;;
    package-setting | host-setting)
      if [[ $value == *=* ]]; then
        key=${value%%=*}
        _glix_plain "$key" || return 0
        _glix_offer "$pre$key=" "${_glix_data[sv/$kind/$key]-}"
        return 0
      fi
      nospace=1
      local IFS=' '
      for key in ${_glix_data[sk/$kind]-}; do cands+=("$pre$key="); done
      local sub=${_glix_data[ss/$kind]-}
      [[ -n $sub ]] || return 0
      [[ $value == "$sub."* ]] || cands+=("$pre$sub.")
      # The subtable's keys of the package named on the line.
      [[ $kind == package-setting ]] && _glix_valid_name "${args[0]-}" package || return 0
      _glix_find_root "$dir" || return 0
      root=$REPLY
      _glix_current_host || return 0
      _glix_toml_scan "$root/hosts/$REPLY/glix.toml" "${args[0]}" "$sub"
      for h in "${_glix_list[@]}"; do cands+=("$pre$sub.$h="); done
      ;;
    command)
      local topic='' w
      for w in "${args[@]}"; do
        _glix_plain "$w" || return 0
        topic=${topic:+$topic:}$w
      done
      _glix_offer "$pre" "${_glix_data[k/$topic]-}"
      ;;
  esac
  return 0
}

_glix_complete() {
  local -a words=() args=() cands=() _glix_list=()
  local cword word w next topic='' cmd='' dir='' host='' expect='' pre='' kind keep c REPLY IFS=$' \t\n'
  local -i i dashdash=0 known=1 nospace=0 n k
  _glix_words
  word=${words[cword]}
  COMPREPLY=()

  # Read the line: the command words, flags (and their values) anywhere,
  # the rest are the command's arguments.
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    if ((dashdash)); then
      args+=("$w")
    elif [[ $w == -- ]]; then
      dashdash=1
    elif [[ $w == -?* ]]; then
      if [[ $w == *=* ]]; then
        _glix_note "${w%%=*}" "${w#*=}"
      elif _glix_takes_value "$w"; then
        if ((i + 1 < cword)); then
          i+=1
          _glix_note "$w" "${words[i]}"
        else
          expect=$w
        fi
      fi
    else
      next=${topic:+$topic:}$w
      if ((${#args[@]} == 0)) && _glix_plain "$w" && [[ -n ${_glix_data[c/$next]-}${_glix_data[t/$next]-} ]]; then
        topic=$next
        [[ -n ${_glix_data[c/$topic]-} ]] && cmd=$topic || cmd=''
      else
        args+=("$w")
      fi
    fi
  done

  if [[ -z $expect && $dashdash == 0 && $word == -?*=* ]]; then
    expect=${word%%=*}
    pre=$expect=
  fi

  if [[ -n $expect ]]; then
    # The value of a flag.
    kind=''
    _glix_plain "$expect" && kind=${_glix_data[L/$expect]-}
    if [[ $kind == directory ]]; then
      known=0
    elif [[ -n $kind ]]; then
      _glix_live "$kind" "$pre" "${word#"$pre"}"
    elif [[ -n $cmd ]] && _glix_plain "$expect" && [[ -n ${_glix_data[o/$cmd/$expect]-} ]]; then
      _glix_offer "$pre" "${_glix_data[o/$cmd/$expect]}"
    else
      # A value glix knows nothing about (--pin, --core, …): file names.
      known=0
    fi
  elif ((!dashdash)) && [[ $word == -* ]]; then
    # Flags: the command's, else those that may precede a command.
    if [[ -n $cmd ]]; then
      _glix_offer '' "${_glix_data[f/$cmd]-}"
    elif [[ -z $topic ]]; then
      _glix_offer '' "${_glix_data[g]-}"
    else
      cands+=(--help)
    fi
  else
    # Command words below the topic typed so far, then the command's argument.
    ((${#args[@]} == 0)) && _glix_offer '' "${_glix_data[k/$topic]-}"
    if [[ -n $cmd ]]; then
      n=$((${#args[@]} + 1))
      k=${_glix_data[ar/$cmd]:-0}
      ((k > 0 && n > k)) && n=k
      if [[ -n ${_glix_data[al/$cmd/$n]-} ]]; then
        _glix_live "${_glix_data[al/$cmd/$n]}" '' "$word"
      elif [[ -n ${_glix_data[a/$cmd/$n]-} ]]; then
        _glix_offer '' "${_glix_data[a/$cmd/$n]}"
      elif ((${#cands[@]} == 0)); then
        known=0
      fi
    fi
  fi

  # bash replaces only the part of the word after the last COMP_WORDBREAKS
  # character (`=`, `:`): candidates are whole words, so cut that part off.
  k=${#word}
  while ((k > 0)) && [[ $COMP_WORDBREAKS != *"${word:k-1:1}"* ]]; do
    k=k-1
  done
  keep=${word:0:k}
  for c in "${cands[@]}"; do
    [[ $c == "$word"* ]] || continue
    c=${c#"$keep"}
    [[ $c =~ ^[A-Za-z0-9_.,:/@%+=-]*$ ]] || printf -v c %q "$c"
    COMPREPLY+=("$c")
  done
  ((known)) && compopt +o default 2>/dev/null
  ((nospace)) && compopt -o nospace 2>/dev/null
  return 0
}

complete -o default -F _glix_complete glix
