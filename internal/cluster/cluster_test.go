package cluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func sweep() Sweep {
	return Sweep{Args: []string{"lab", "--quick", "--seeds", "5"}, Shards: 4, CPUs: 2, MemMiB: 3072,
		Dir: "/shared/runs/it's here", Intercept: "/opt/intercept/bin/intercept", JobName: "intercept-lab",
		Image: "registry.example/intercept:v1", Claim: "runs"}
}

func TestSlurmScript(t *testing.T) {
	s, err := Slurm(sweep())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#!/bin/bash\n",
		"#SBATCH --array=0-3\n",
		"#SBATCH --cpus-per-task=2\n",
		"#SBATCH --mem=3072M\n",
		"#SBATCH --output=/shared/runs/it's here/logs/shard-%a-%A.out\n",
		"#SBATCH --job-name=intercept-lab\n",
		`--dependency=afterok:"$array"`,
		`merge --out "$dir/merged"`,
		"dir='/shared/runs/it'\\''s here'\n",
		"intercept=/opt/intercept/bin/intercept\n",
		`exec "$intercept" lab --quick --seeds 5 --quiet --shard env/4 --workers "$GOMAXPROCS" --out "$dir/shard-$SLURM_ARRAY_TASK_ID"` + "\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the script lacks %q:\n%s", want, s)
		}
	}
	// Every #SBATCH line comes before the first command, or sbatch ignores it.
	seenCommand := false
	for _, line := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(line, "#SBATCH"):
			if seenCommand {
				t.Errorf("%q after the first command", line)
			}
		case line != "" && !strings.HasPrefix(line, "#"):
			seenCommand = true
		}
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	path := filepath.Join(t.TempDir(), "sweep.sbatch")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", path).CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s", err, out)
	}
}

// The script, run with bash outside a job, submits the array and then the
// merge depending on it, and a task of the array runs its shard: checked
// with stand-ins for sbatch and intercept that record their arguments.
func TestSlurmScriptRuns(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	calls := filepath.Join(dir, "calls")
	stub := "#!/bin/bash\nprintf '%s\\n' \"$(basename \"$0\") $*\" >>" + calls + "\necho 42\n"
	for _, name := range []string{"sbatch", "intercept"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sw := sweep()
	sw.Dir, sw.Intercept = filepath.Join(dir, "sweep"), "intercept"
	s, err := Slurm(sw)
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "sweep.sbatch")
	os.WriteFile(script, []byte(s), 0o644)
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "SLURM_ARRAY_TASK_ID=")
	cmd := exec.Command("bash", script, "--partition=short")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("submitting: %v\n%s", err, out)
	}
	cmd = exec.Command("bash", script)
	cmd.Env = append(env, "SLURM_ARRAY_TASK_ID=2", "SLURM_CPUS_PER_TASK=2")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running task 2: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(calls)
	got := strings.Split(strings.TrimSpace(string(b)), "\n")
	d := sw.Dir
	want := []string{
		"sbatch --parsable --partition=short " + script,
		"sbatch --parsable --partition=short --dependency=afterok:42 --job-name=intercept-lab-merge --ntasks=1 --cpus-per-task=1 --mem=3072M --output=" + d + "/logs/merge-%j.out --wrap=intercept merge --out " + d + "/merged " + d + "/shard-0 " + d + "/shard-1 " + d + "/shard-2 " + d + "/shard-3 ",
		"intercept lab --quick --seeds 5 --quiet --shard env/4 --workers 2 --out " + d + "/shard-2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := os.Stat(filepath.Join(d, "logs")); err != nil {
		t.Errorf("the logs directory was not made: %v", err)
	}
}

func TestKubernetesChecks(t *testing.T) {
	s := sweep()
	s.Dir = "sweep"
	if _, err := Kubernetes(s); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Sweep){
		"no image":      func(s *Sweep) { s.Image = "" },
		"no claim":      func(s *Sweep) { s.Claim = "" },
		"absolute dir":  func(s *Sweep) { s.Dir = "/x" },
		"escaping dir":  func(s *Sweep) { s.Dir = "../x" },
		"bad name":      func(s *Sweep) { s.JobName = "Intercept_Lab" },
		"zero shards":   func(s *Sweep) { s.Shards = 0 },
		"zero CPUs":     func(s *Sweep) { s.CPUs = 0 },
		"zero memory":   func(s *Sweep) { s.MemMiB = 0 },
		"empty command": func(s *Sweep) { s.Intercept = "" },
	} {
		bad := s
		mod(&bad)
		if _, err := Kubernetes(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	s.Dir = "relative"
	if _, err := Slurm(s); err == nil {
		t.Error("Slurm with a relative directory: no error")
	}
}

func TestParseMem(t *testing.T) {
	for in, want := range map[string]int{"2G": 2048, "1500": 1500, "1500M": 1500, "1t": 1 << 20, "2048K": 2, "1K": 1} {
		if got, err := ParseMem(in); err != nil || got != want {
			t.Errorf("ParseMem(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2GB", "-1G", "1.5G", "0", "G"} {
		if _, err := ParseMem(in); err == nil {
			t.Errorf("ParseMem(%q): no error", in)
		}
	}
}
