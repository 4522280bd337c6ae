# glix completion for zsh: the engine.
#
# `glix autocomplete script zsh` prints the completion table of the
# installed glix and its plugins (the associative array _glix_data, built
# from oclif's manifests by src/lib/completion/model.ts, whose header lists
# its keys), then this file. Nothing here names a command or a flag: the
# table says which commands, topics and flags exist (with the summaries
# shown beside them), which flags take a value, which values a flag or
# argument allows, and which values are live. Live values are read from the
# repo on each TAB:
#   host       hosts/<name>/ directories holding a glix.toml (comma lists too)
#   package    the [packages.<name>] tables of the host's glix.toml
#   *-setting  key=value pairs; the keys of [packages.<name>.config]
#   command    command paths (help)
#
# Invariants:
# - No process runs on TAB: pure zsh, no command substitution, no eval.
# - Repo content never becomes code or an inserted word it should not be.
#   Package headers are read by a line scanner that tracks TOML multi-line
#   strings (a header inside `"""…"""` is text, not a table); every live
#   name must pass the name rule (table keys `name`, `keywords`, `reserved`); compadd quotes what
#   it inserts. Descriptions are single-quoted data shown by _describe,
#   never expanded. Words from the line are looked up in the table only
#   when they are plain words.
# - The repo is found as glix finds it (spec §1): --dir on the line; the
#   nearest ancestor of $PWD holding flake.nix and hosts/; $GLIX_ROOT;
#   $XDG_CONFIG_HOME/glixos; ~/.config/glixos. The host is --host on the
#   line, else $GLIX_HOST, else the hostname up to the first dot.

# Sourced without a table (an rc line from an older glix): leave whatever
# completion is already set up alone.
if [[ ${_glix_data[format]-} != 1 ]]; then
  return 0
fi

# _glix_valid_name NAME [package]: true when NAME passes glix's name rule
# (ASCII only, not a Nix keyword; for a package, not a reserved name).
_glix_valid_name() {
  emulate -L zsh
  local LC_ALL=C MATCH MBEGIN MEND
  local -a match mbegin mend
  [[ $1 =~ ${_glix_data[name]} && ${_glix_data[keywords]} != *" $1 "* ]] || return 1
  [[ $2 != package || ${_glix_data[reserved]} != *" $1 "* ]]
}

# _glix_plain WORD: true when WORD may be used as part of a table key.
_glix_plain() {
  emulate -L zsh
  local LC_ALL=C MATCH MBEGIN MEND
  local -a match mbegin mend
  [[ $1 =~ '^-{0,2}[A-Za-z0-9][A-Za-z0-9_.:-]*$' ]]
}

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
    _glix_valid_name $h && _glix_list+=($h)
  done
  return 0
}

# _glix_toml_strings LINE: updates _glix_ml, the multi-line string LINE
# leaves open (0 none, 1 basic """, 2 literal '''), given the one it
# starts in. Single-line strings and comments are skipped on the way.
_glix_toml_strings() {
  emulate -L zsh
  local line=$1 c
  local -i k n=${#1} s=$_glix_ml
  for (( k = 0; k < n; k++ )); do
    c=${line:$k:1}
    case $s in
      0)
        case $c in
          '#') break ;;
          '"') if [[ ${line:$k:3} == '"""' ]]; then s=1; k+=2; else s=3; fi ;;
          "'") if [[ ${line:$k:3} == "'''" ]]; then s=2; k+=2; else s=4; fi ;;
        esac
        ;;
      1)
        if [[ $c == '\' ]]; then
          k+=1
        elif [[ ${line:$k:3} == '"""' ]]; then
          s=0; k+=2
        fi
        ;;
      2) [[ ${line:$k:3} == "'''" ]] && { s=0; k+=2 } ;;
      3)
        case $c in
          '\') k+=1 ;;
          '"') s=0 ;;
        esac
        ;;
      4) [[ $c == "'" ]] && s=0 ;;
    esac
  done
  (( s == 1 || s == 2 )) || s=0
  _glix_ml=$s
}

# _glix_toml_scan MANIFEST [PACKAGE SUBTABLE]: _glix_list = the names of
# the [packages.NAME] tables ([packages.NAME.SUB] and other subtables are
# skipped); with PACKAGE, the bare keys of [packages.PACKAGE.SUBTABLE]
# instead. Lines inside multi-line strings are text, never headers or keys.
_glix_toml_scan() {
  emulate -L zsh
  local line want=$2 sub=$3 name q='["'\'']?' MATCH MBEGIN MEND
  local -a match mbegin mend
  local -i _glix_ml=0 inside=0
  local header='^[[:space:]]*\[[[:space:]]*packages[[:space:]]*\.[[:space:]]*("([^"]*)"|'\''([^'\'']*)'\''|([A-Za-z0-9_-]+))[[:space:]]*(\.[[:space:]]*'$q'([A-Za-z0-9_-]+)'$q'[[:space:]]*)?\][[:space:]]*(#.*)?$'
  local key='^[[:space:]]*([A-Za-z0-9_-]+)[[:space:]]*='
  _glix_list=()
  [[ -f $1 && -r $1 ]] || return 0
  while IFS= read -r line || [[ -n $line ]]; do
    if (( _glix_ml )); then
      # Inside a multi-line string: only its end matters.
      [[ $line == *'"""'* || $line == *"'''"* ]] && _glix_toml_strings $line
      continue
    fi
    if [[ $line =~ '^[[:space:]]*\[' ]]; then
      inside=0
      if [[ $line =~ $header ]]; then
        name=$match[2]$match[3]$match[4]
        if [[ -z $want ]]; then
          [[ -z $match[5] ]] && _glix_valid_name $name package && _glix_list+=($name)
        elif [[ $name == $want && $match[6] == $sub ]]; then
          inside=1
        fi
      fi
    elif (( inside )) && [[ $line =~ $key ]]; then
      _glix_list+=($match[1])
    fi
    [[ $line == *'"""'* || $line == *"'''"* ]] && _glix_toml_strings $line
  done <$1
  return 0
}

# _glix_note FLAG VALUE: remembers --host and --dir values (table key L/FLAG).
_glix_note() {
  _glix_plain $1 || return 0
  case ${_glix_data[L/$1]} in
    host) host=$2 ;;
    directory) dir=$2 ;;
  esac
}

# _glix_takes_value FLAG: true when FLAG takes a value in the current command.
_glix_takes_value() {
  _glix_plain $1 || return 1
  local list
  if [[ -n $cmd ]]; then list=${_glix_data[v/$cmd]}; else list=${_glix_data[gv]}; fi
  [[ $list == *" $1 "* ]]
}

# _glix_current_host: REPLY = the host packages are read from, validated.
_glix_current_host() {
  if [[ -n $host ]]; then
    REPLY=${(Q)host}
  else
    REPLY=${GLIX_HOST:-${HOST%%.*}}
  fi
  _glix_valid_name $REPLY
}

# _glix_live KIND: offers the live values of KIND for the current word.
_glix_live() {
  local kind=$1 root key sub expl
  local -a values listed
  case $kind in
    host)
      _glix_find_root $dir || return 1
      _glix_hosts $REPLY
      # A comma list: complete its last element, without the hosts before it.
      compset -P '*,'
      listed=(${(s:,:)${IPREFIX#*=}})
      values=(${_glix_list:|listed})
      _wanted hosts expl host compadd -a values
      ;;
    package)
      _glix_find_root $dir || return 1
      root=$REPLY
      _glix_current_host || return 1
      _glix_toml_scan $root/hosts/$REPLY/glix.toml
      _wanted packages expl package compadd -a _glix_list
      ;;
    package-setting | host-setting)
      if [[ $PREFIX == *=* ]]; then
        key=${PREFIX%%=*}
        _glix_plain $key || return 1
        compset -P 1 '*='
        values=(${=_glix_data[sv/$kind/$key]})
        _wanted values expl "value of $key" compadd -a values
        return
      fi
      values=(${=_glix_data[sk/$kind]})
      sub=${_glix_data[ss/$kind]}
      if [[ -n $sub && $kind == package-setting ]] && _glix_valid_name ${args[1]} package && _glix_find_root $dir; then
        root=$REPLY
        if _glix_current_host; then
          _glix_toml_scan $root/hosts/$REPLY/glix.toml ${args[1]} $sub
          values+=($sub.${^_glix_list})
        fi
      fi
      _wanted keys expl key compadd -S '=' -a values
      [[ -n $sub && $PREFIX != $sub.* ]] && _wanted keys expl key compadd -S '' -- $sub.
      ;;
    command)
      local topic= w
      for w in $args; do
        _glix_plain $w || return 1
        topic=${topic:+$topic:}$w
      done
      values=(${(f)_glix_data[kd/$topic]})
      _describe -t commands 'glix command' values
      ;;
  esac
}

# Runs in the options the completion system sets up (_comp_options):
# `emulate -L zsh` here would break the _describe and _wanted it calls.
_glix_complete() {
  local -a args values
  local topic= cmd= dir= host= expect= w next kind REPLY expl
  local -i i dashdash=0 n k ret=1
  local -a _glix_list

  # Read the line: the command words, flags (and their values) anywhere,
  # the rest are the command's arguments.
  for (( i = 2; i < CURRENT; i++ )); do
    w=$words[i]
    if (( dashdash )); then
      args+=($w)
    elif [[ $w == -- ]]; then
      dashdash=1
    elif [[ $w == -?* ]]; then
      if [[ $w == *=* ]]; then
        _glix_note ${w%%=*} ${w#*=}
      elif _glix_takes_value $w; then
        if (( i + 1 < CURRENT )); then
          i+=1
          _glix_note $w $words[i]
        else
          expect=$w
        fi
      fi
    else
      next=${topic:+$topic:}$w
      if (( $#args == 0 )) && _glix_plain $w && [[ -n ${_glix_data[c/$next]}${_glix_data[t/$next]} ]]; then
        topic=$next
        [[ -n ${_glix_data[c/$topic]} ]] && cmd=$topic || cmd=
      else
        args+=($w)
      fi
    fi
  done

  if [[ -z $expect && $dashdash == 0 && $PREFIX == -?*=* ]]; then
    expect=${PREFIX%%=*}
    compset -P 1 '*='
  fi

  if [[ -n $expect ]]; then
    # The value of a flag.
    kind=
    _glix_plain $expect && kind=${_glix_data[L/$expect]}
    if [[ $kind == directory ]]; then
      _files -/ && ret=0
    elif [[ -n $kind ]]; then
      _glix_live $kind && ret=0
    elif [[ -n $cmd ]] && _glix_plain $expect && [[ -n ${_glix_data[o/$cmd/$expect]} ]]; then
      values=(${=_glix_data[o/$cmd/$expect]})
      _wanted values expl "value of $expect" compadd -a values && ret=0
    else
      # A value glix knows nothing about (--pin, --core, …): file names.
      _files && ret=0
    fi
    return ret
  fi

  if (( ! dashdash )) && [[ $PREFIX == -* ]]; then
    # Flags: the command's, else those that may precede a command.
    if [[ -n $cmd ]]; then
      values=(${(f)_glix_data[fd/$cmd]})
    elif [[ -z $topic ]]; then
      values=(${(f)_glix_data[gd]})
    else
      values=('--help:Show help.')
    fi
    _describe -t options 'glix flag' values && ret=0
    return ret
  fi

  # Command words below the topic typed so far, then the command's argument.
  if (( $#args == 0 )) && [[ -n ${_glix_data[kd/$topic]} ]]; then
    values=(${(f)_glix_data[kd/$topic]})
    _describe -t commands 'glix command' values && ret=0
  fi
  if [[ -n $cmd ]]; then
    n=$(( $#args + 1 ))
    k=${_glix_data[ar/$cmd]:-0}
    (( k > 0 && n > k )) && n=k
    if [[ -n ${_glix_data[al/$cmd/$n]} ]]; then
      _glix_live ${_glix_data[al/$cmd/$n]} && ret=0
    elif [[ -n ${_glix_data[a/$cmd/$n]} ]]; then
      values=(${=_glix_data[a/$cmd/$n]})
      _wanted values expl ${_glix_data[an/$cmd/$n]:-argument} compadd -a values && ret=0
    elif (( ret )); then
      _files && ret=0
    fi
  fi
  return ret
}

(( $+functions[compdef] )) || { autoload -Uz compinit && compinit }
compdef _glix_complete glix
