package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// flink-render completion bash|zsh|fish prints a completion script, built
// from the flag sets themselves so that it never lists a flag that does
// not exist. The standard flag package has no completion of its own.

const completionUsage = `usage: flink-render completion bash|zsh|fish

Prints a shell completion script for flink-render.

Examples:
  source <(flink-render completion bash)         # bash, this shell
  flink-render completion bash > /etc/bash_completion.d/flink-render
  source <(flink-render completion zsh)          # zsh
  flink-render completion fish > ~/.config/fish/completions/flink-render.fish
`

// runCompletion is flink-render completion.
func runCompletion(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stdout, completionUsage)
		return 0
	}
	if len(args) != 1 {
		fmt.Fprint(stderr, completionUsage)
		return 2
	}
	render, _ := renderFlags()
	plan, _ := planFlags()
	switch args[0] {
	case "bash":
		fmt.Fprint(stdout, bashCompletion(render, plan))
	case "zsh":
		// zsh runs the bash script through bashcompinit.
		fmt.Fprint(stdout, "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n"+bashCompletion(render, plan))
	case "fish":
		fmt.Fprint(stdout, fishCompletion(render, plan))
	default:
		return usageError(stderr, "flink-render completion", "unknown shell %q: bash, zsh or fish", args[0])
	}
	return 0
}

// compFlag is one flag with its shorthand.
type compFlag struct {
	long, short, usage string
	takesValue         bool
}

// compFlags pairs each flag with its shorthand ("shorthand for --x").
func compFlags(fs *flag.FlagSet) []compFlag {
	shorts := map[string]string{}
	var flags []compFlag
	fs.VisitAll(func(f *flag.Flag) {
		if long, ok := strings.CutPrefix(f.Usage, "shorthand for --"); ok {
			shorts[long] = f.Name
			return
		}
		_, usage := flag.UnquoteUsage(f)
		b, isBool := f.Value.(interface{ IsBoolFlag() bool })
		flags = append(flags, compFlag{long: f.Name, usage: usage, takesValue: !isBool || !b.IsBoolFlag()})
	})
	for i := range flags {
		flags[i].short = shorts[flags[i].long]
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i].long < flags[j].long })
	return flags
}

func words(flags []compFlag) string {
	var w []string
	for _, f := range flags {
		w = append(w, "--"+f.long)
		if f.short != "" {
			w = append(w, "-"+f.short)
		}
	}
	return strings.Join(w, " ")
}

// valueCases are the bash case arms of flags that take a value: formats
// complete from their choices, files and folders from file names.
func valueCases(flags []compFlag, formats string) string {
	var b strings.Builder
	for _, f := range flags {
		if !f.takesValue {
			continue
		}
		pat := "--" + f.long
		if f.short != "" {
			pat += "|-" + f.short
		}
		switch f.long {
		case "output":
			fmt.Fprintf(&b, "    %s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", pat, formats)
		case "filename", "output-dir", "live":
			fmt.Fprintf(&b, "    %s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", pat)
		default: // a name, an image, an id: nothing to offer
			fmt.Fprintf(&b, "    %s) COMPREPLY=(); return ;;\n", pat)
		}
	}
	return b.String()
}

func bashCompletion(render, plan *flag.FlagSet) string {
	r, p := compFlags(render), compFlags(plan)
	return `# bash completion for flink-render (flink-render completion bash)
_flink_render() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
  local sub="${COMP_WORDS[1]}"
  if [[ $COMP_CWORD -eq 1 && $cur != -* ]]; then
    COMPREPLY=($(compgen -W "plan fn completion" -- "$cur") $(compgen -f -- "$cur"))
    return
  fi
  case "$sub" in
  completion)
    COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
  fn)
    COMPREPLY=(); return ;;
  plan)
    case "$prev" in
` + valueCases(p, "text json") + `    esac
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "` + words(p) + ` --help" -- "$cur")); return; fi ;;
  *)
    case "$prev" in
` + valueCases(r, "yaml json") + `    esac
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "` + words(r) + ` --help" -- "$cur")); return; fi ;;
  esac
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -o bashdefault -F _flink_render flink-render
`
}

func fishCompletion(render, plan *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("# fish completion for flink-render (flink-render completion fish)\n")
	b.WriteString("complete -c flink-render -n __fish_use_subcommand -a plan -d 'what a change will do'\n")
	b.WriteString("complete -c flink-render -n __fish_use_subcommand -a fn -d 'run as a KRM function'\n")
	b.WriteString("complete -c flink-render -n __fish_use_subcommand -a completion -d 'print a completion script'\n")
	b.WriteString("complete -c flink-render -n '__fish_seen_subcommand_from completion' -x -a 'bash zsh fish'\n")
	emit := func(cond string, flags []compFlag, formats string) {
		for _, f := range flags {
			line := fmt.Sprintf("complete -c flink-render -n %s -l %s", cond, f.long)
			if f.short != "" {
				line += " -o " + f.short // fish: -o is an old-style (single dash) option
			}
			if f.takesValue {
				line += " -r"
				if f.long == "output" {
					line += " -x -a '" + formats + "'"
				}
			}
			line += " -d " + quoteFish(f.usage)
			b.WriteString(line + "\n")
		}
	}
	emit("'not __fish_seen_subcommand_from plan fn completion'", compFlags(render), "yaml json")
	emit("'__fish_seen_subcommand_from plan'", compFlags(plan), "text json")
	return b.String()
}

func quoteFish(s string) string {
	if i := strings.IndexAny(s, ";("); i > 0 {
		s = s[:i]
	}
	return "'" + strings.ReplaceAll(strings.TrimSpace(s), "'", `\'`) + "'"
}
