# Fresh-process start-up of one small upload: a bare `pwsh -File` (exit), StartupPhases.ps1 -Backend None
# (the script's own preparation, no module) and StartupPhases.ps1 per backend, alternating, -Runs rounds;
# prints medians of the whole process (ms), what it pays over the bare start and over the preparation-only
# run (the module's own cost: import + connect + upload + its share of the exit), and per phase: wall ms,
# methods JIT-compiled (a count machine load does not change) and process CPU ms.
# Needs `build.ps1 Build` and `build.ps1 Servers`. Usage: dotnet pwsh bench/Invoke-StartupBenchmark.ps1 -Runs 7
param([int]$Runs = 5, [string[]]$Backend = @('S3', 'Azure', 'Local'), [switch]$SkipCheck,
    # Module manifests to compare (each run alternates them); default: the build output.
    [string[]]$Module = @(''))
$ErrorActionPreference = 'Stop'
# `pwsh -File` passes a list as one string: 'a,b' is two.
$Module = @($Module | ForEach-Object { $_ -split ',' }); $Backend = @($Backend | ForEach-Object { $_ -split ',' })
$pwsh = [Environment]::ProcessPath
$pwshArgs = @(Join-Path $PSHOME 'pwsh.dll')
$phases = Join-Path $PSScriptRoot 'StartupPhases.ps1'
$empty = Join-Path ([IO.Path]::GetTempPath()) 'mf-startup-empty.ps1'
Set-Content -Path $empty -Value 'exit 0'
function Invoke-Fresh([string[]]$arguments) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = & $pwsh @pwshArgs -NoProfile -NonInteractive -File @arguments
    if ($LASTEXITCODE -ne 0) { throw "run failed: $arguments`n$out" }
    [pscustomobject]@{ Total = $sw.Elapsed.TotalMilliseconds; Phases = ($out | Select-Object -Last 1) }
}
$rows = @{}
$names = foreach ($m in $Module) { foreach ($b in $Backend) { if ($Module.Count -gt 1) { "$b@$([array]::IndexOf($Module, $m))" } else { $b } } }
foreach ($name in @('bare', 'prep') + $names) { $rows[$name] = [Collections.Generic.List[object]]::new() }
for ($i = 0; $i -lt $Runs; $i++) {
    $rows['bare'].Add((Invoke-Fresh @($empty)))
    $rows['prep'].Add((Invoke-Fresh @($phases, '-Backend', 'None')))
    foreach ($m in $Module) {
        foreach ($b in $Backend) {
            $a = @($phases, '-Backend', $b); if ($SkipCheck) { $a += '-SkipCheck' }; if ($m) { $a += '-Module', $m }
            $rows[($Module.Count -gt 1) ? "$b@$([array]::IndexOf($Module, $m))" : $b].Add((Invoke-Fresh $a))
        }
    }
}
function Median([double[]]$v) { $s = @($v | Sort-Object); if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }
$bare = Median ($rows['bare'] | ForEach-Object Total)
$prep = Median ($rows['prep'] | ForEach-Object Total)
$format = "{0,-8} {1,6:F0} {2,6:F0} {3,6:F0} | {4,6:F0} {5,6:F0} {6,6:F0} | {7,5:F0} {8,5:F0} {9,5:F0} | {10,5:F0} {11,5:F0} {12,5:F0}"
$format -f 'run', 'total', 'o.bare', 'o.prep', 'import', 'connect', 'upload', 'jit-i', 'jit-c', 'jit-u', 'cpu-i', 'cpu-c', 'cpu-u'
"{0,-8} {1,6:F0}" -f 'bare', $bare
"{0,-8} {1,6:F0} {2,6:F0}" -f 'prep', $prep, ($prep - $bare)
foreach ($name in $names) {
    $total = Median ($rows[$name] | ForEach-Object Total)
    $values = @($name, $total, ($total - $bare), ($total - $prep))
    for ($n = 0; $n -lt 9; $n++) { $values += Median ($rows[$name] | ForEach-Object { [double](($_.Phases -split ' ')[$n]) }) }
    $format -f $values
}
if ($Module.Count -gt 1) { for ($k = 0; $k -lt $Module.Count; $k++) { "@$k = $(($Module[$k]) ? $Module[$k] : 'out/MedallionFoundry')" } }
