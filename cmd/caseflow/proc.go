package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// proc is a child process a run (chaos, cluster) starts, kills and starts
// again. Each runs in a process group of its own, so a kill reaches all of
// it and a Ctrl-C aimed at caseflow does not reach it before stop does,
// and dies with this process (Pdeathsig) should this one be killed
// outright.
type proc struct {
	name    string
	path    string
	args    []string
	env     []string
	dir     string
	logPath string
	log     *slog.Logger

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	expect  bool // the next exit is the run's doing
	crashed []string
	// restarts bounds how often a child that died on its own is started
	// again, so one that cannot start does not spin.
	restarts int
}

func newProc(log *slog.Logger, name, path string, args, env []string, dir string) *proc {
	return &proc{name: name, path: path, args: args, env: env, dir: dir,
		logPath: filepath.Join(dir, name+".log"), log: log}
}

// start runs the child, its output appended to its log across restarts.
func (p *proc) start() error {
	out, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s log: %w", p.name, err)
	}
	defer out.Close() // the child holds its own descriptor
	cmd := exec.Command(p.path, p.args...)
	cmd.Env, cmd.Dir = p.env, p.dir // not the checkout: its caseflow.yaml would apply
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	exited := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.exited, p.expect = cmd, exited, false
	p.mu.Unlock()
	go p.watch(cmd, exited)
	return nil
}

// watch waits for the child; an exit the run did not cause is recorded,
// and the child started again so the run can go on and report it.
func (p *proc) watch(cmd *exec.Cmd, exited chan struct{}) {
	err := cmd.Wait()
	p.mu.Lock()
	unexpected := !p.expect && p.cmd == cmd
	again := unexpected && p.restarts < 3
	if unexpected {
		p.crashed = append(p.crashed, fmt.Sprintf("%s (pid %d) exited on its own at %s: %v",
			p.name, cmd.Process.Pid, time.Now().Format("15:04:05.000"), err))
		p.restarts++
	}
	p.mu.Unlock()
	close(exited)
	if unexpected {
		p.log.Error("child exited on its own", "child", p.name, "err", err, "log", tailFile(p.logPath))
	}
	if again {
		time.Sleep(time.Second) // not a poll: a pause before starting a crashed child again
		if err := p.start(); err != nil {
			p.log.Error("restart crashed child", "child", p.name, "err", err)
		}
	}
}

// kill SIGKILLs the child's process group and waits for it to be gone.
func (p *proc) kill() {
	p.signal(syscall.SIGKILL, 0)
}

// stop asks the child to stop (SIGTERM), then kills it after 10 s.
func (p *proc) stop() {
	p.signal(syscall.SIGTERM, 10*time.Second)
}

func (p *proc) signal(sig syscall.Signal, grace time.Duration) {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.expect = true
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	if grace > 0 {
		select {
		case <-exited:
			return
		case <-time.After(grace):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	<-exited
}

func (p *proc) crashes() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.crashed)
}
