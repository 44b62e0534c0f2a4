BeforeAll { . $PSScriptRoot/Common.ps1 }

Describe 'The three pipelines on the local backend' {
    BeforeAll {
        $script:root = New-TestFolder 'pipe-store'
        $script:work = New-TestFolder 'pipe-work'
        Connect-BronzeStorage -Backend Local -Path $root
        $script:files = foreach ($d in 1..3) { foreach ($p in 1..4) {
            New-TestFile (Join-Path $work "extract/dt=2025-01-0$d/part-000$p.bin") -Size (1000 * $p + $d) -Seed ($d * 10 + $p) } }
    }
    AfterAll { Disconnect-BronzeStorage -All }

    It 'Get-ChildItem | Send-BronzeFile uploads every file' {
        # Pipeline input goes into the folder by file name: 12 files with 4 distinct names make 4 objects
        # and 8 collision errors (the first of each name wins), never a silent overwrite.
        Get-ChildItem (Join-Path $work 'extract') -Recurse -File | Send-BronzeFile -Destination 'system=api/table=users/' -ErrorVariable errs -ErrorAction SilentlyContinue
        (Get-BronzeFileList 'system=api/table=users/').Path | Should -Be @(
            'system=api/table=users/part-0001.bin', 'system=api/table=users/part-0002.bin',
            'system=api/table=users/part-0003.bin', 'system=api/table=users/part-0004.bin')
        @($errs | Where-Object { "$($_.FullyQualifiedErrorId)" -like 'SendBronzeFileDestinationCollision,*' }).Count | Should -Be 8
        # With -BasePath the layout below it is kept: all 12 arrive.
        Get-ChildItem (Join-Path $work 'extract') -Recurse -File | Send-BronzeFile -BasePath (Join-Path $work 'extract') -Destination 'system=api/table=based/'
        @(Get-BronzeFileList 'system=api/table=based/').Count | Should -Be 12
    }

    It 'Send-BronzeFile -Recurse then Get-BronzeFileList | Get-BronzeFile round-trips every byte' {
        Send-BronzeFile -Path (Join-Path $work 'extract') -Destination 'system=api/table=orders/' -Recurse
        $listed = Get-BronzeFileList 'system=api/table=orders/'
        $downloaded = $listed | Get-BronzeFile -Destination (Join-Path $work 'down')

        @($downloaded).Count | Should -Be 12
        foreach ($f in $files) {
            $relative = [IO.Path]::GetRelativePath((Join-Path $work 'extract'), $f.FullName).Replace('\', '/')
            (Get-FileHash (Join-Path $work "down/system=api/table=orders/$relative")).Hash | Should -Be (Get-FileHash $f).Hash
        }
    }

    It 'Get-BronzeFileList | Where-Object | Remove-BronzeFile removes only what was selected' {
        $verbose = Get-BronzeFileList 'system=api/table=orders/' | Where-Object Path -like '*dt=2025-01-01*' | Remove-BronzeFile -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        ($verbose -join "`n") | Should -Match '(?m)^Delete: 4 succeeded, 0 failed, 0 skipped; '
        (Get-BronzeFileList 'system=api/table=orders/').Count | Should -Be 8
        (Get-BronzeFileList 'system=api/table=users/').Count | Should -Be 4
    }
}

Describe 'Scripts fail the step' {
    It 'exits non-zero when a transfer fails under $ErrorActionPreference = Stop' {
        $root = New-TestFolder 'stop'
        $result = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$script:ModuleManifest'
Connect-BronzeStorage -Backend Local -Path '$root'
Get-BronzeFile -Path 'missing/file.csv' -Destination '$root/out/'
'not reached'
"@
        $result.ExitCode | Should -Not -Be 0
        $result.Output | Should -Not -Match 'not reached'
        $result.Output | Should -Match 'missing/file.csv'
    }

    It 'exits zero when everything succeeds' {
        $root = New-TestFolder 'ok'
        $result = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$script:ModuleManifest'
Connect-BronzeStorage -Backend Local -Path '$root'
Set-Content '$root/x.txt' 'x'
Get-BronzeFileList | Out-Null
"@
        $result.ExitCode | Should -Be 0
    }
}
