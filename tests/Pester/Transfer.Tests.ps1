BeforeAll {
    . $PSScriptRoot/Common.ps1
    function Reset-Store {
        $script:root = New-TestFolder 'store'
        $script:work = New-TestFolder 'work'
        Connect-BronzeStorage -Backend Local -Path $script:root
    }
}

Describe 'Send-BronzeFile' {
    BeforeEach { Reset-Store }
    AfterEach { Disconnect-BronzeStorage -All }

    It 'uploads one file to the remote path given and passes it through' {
        $file = New-TestFile (Join-Path $work 'part.bin') -Size 4096
        $sent = Send-BronzeFile -Path $file.FullName -Destination 'system=api/table=users/part-0001.bin' -PassThru

        $sent.Path | Should -Be 'system=api/table=users/part-0001.bin'
        $sent.Size | Should -Be 4096
        (Get-FileHash (Join-Path $root 'system=api/table=users/part-0001.bin')).Hash | Should -Be (Get-FileHash $file).Hash
    }

    It 'uploads into a remote folder when the destination ends with /' {
        $file = New-TestFile (Join-Path $work 'a.csv')
        Send-BronzeFile $file.FullName 'raw/' | Should -BeNullOrEmpty
        (Get-BronzeFileList raw/).Path | Should -Be 'raw/a.csv'
    }

    It 'keeps relative paths under the prefix with -Recurse' {
        New-TestFile (Join-Path $work 'out/dt=2025-01-01/part-1.csv') | Out-Null
        New-TestFile (Join-Path $work 'out/dt=2025-01-02/part-1.csv') | Out-Null
        Send-BronzeFile -Path (Join-Path $work 'out') -Destination 'system=api/table=users/' -Recurse

        (Get-BronzeFileList 'system=api/').Path | Should -Be @(
            'system=api/table=users/dt=2025-01-01/part-1.csv', 'system=api/table=users/dt=2025-01-02/part-1.csv')
    }

    It 'expands wildcards' {
        1..3 | ForEach-Object { New-TestFile (Join-Path $work "f$_.csv") | Out-Null }
        New-TestFile (Join-Path $work 'skip.txt') | Out-Null
        Send-BronzeFile -Path (Join-Path $work '*.csv') -Destination 'w/'
        (Get-BronzeFileList w/).Count | Should -Be 3
    }

    It 'refuses a folder without -Recurse' {
        New-TestFile (Join-Path $work 'dir/x.csv') | Out-Null
        Send-BronzeFile -Path (Join-Path $work 'dir') -Destination 'x/' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'SendBronzeFileIsFolder,MedallionFoundry.Commands.SendBronzeFileCommand'
        @(Get-BronzeFileList).Count | Should -Be 0
    }

    It 'does not replace a remote file with -NoClobber' {
        $first = New-TestFile (Join-Path $work 'one.bin') -Seed 1
        $second = New-TestFile (Join-Path $work 'two.bin') -Seed 2
        Send-BronzeFile $first.FullName 'k/file.bin'
        Send-BronzeFile $second.FullName 'k/file.bin' -NoClobber -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs[0].FullyQualifiedErrorId | Should -Be 'SendBronzeFileAlreadyExists,MedallionFoundry.Commands.SendBronzeFileCommand'
        $errs[0].TargetObject | Should -Be $second.FullName
        (Get-FileHash (Join-Path $root 'k/file.bin')).Hash | Should -Be (Get-FileHash $first).Hash
    }

    It 'uploads nothing with -WhatIf' {
        $file = New-TestFile (Join-Path $work 'w.bin')
        Send-BronzeFile $file.FullName 'whatif/w.bin' -WhatIf
        @(Get-BronzeFileList).Count | Should -Be 0
    }

    It 'names a missing local file' {
        Send-BronzeFile -Path (Join-Path $work 'missing.csv') -Destination 'x/' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'SendBronzeFileLocalFileNotFound,MedallionFoundry.Commands.SendBronzeFileCommand'
    }

    It 'rejects a destination outside the prefix' {
        $file = New-TestFile (Join-Path $work 'evil.csv')
        Send-BronzeFile $file.FullName '../evil.csv' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'SendBronzeFileInvalidPath,MedallionFoundry.Commands.SendBronzeFileCommand'
        $errs[0].Exception.Message | Should -BeLike "*'../evil.csv'*"
        Test-Path (Join-Path (Split-Path $root) 'evil.csv') | Should -BeFalse
    }
}

Describe 'Get-BronzeFileList' {
    BeforeAll {
        Reset-Store
        foreach ($p in 'system=api/table=users/dt=2025-01-1/a.csv', 'system=api/table=users/dt=2025-01-10/b.csv',
            'system=api/table=users/dt=2025-01-2/c.parquet', 'system=api/readme.txt') {
            New-TestFile (Join-Path $root $p) -Size 2048 | Out-Null
        }
    }
    AfterAll { Disconnect-BronzeStorage -All }

    It 'lists recursively with paths relative to the prefix and full objects' {
        $items = Get-BronzeFileList 'system=api/'
        $items.Count | Should -Be 4
        $items[0].Path | Should -Be 'system=api/readme.txt'
        $items[0].Size | Should -Be 2048
        $items[0].LastModified | Should -BeOfType [DateTimeOffset]
        $items[0].Backend | Should -Be 'local'
    }

    It 'keeps the trailing slash of a prefix' {
        (Get-BronzeFileList 'system=api/table=users/dt=2025-01-1/').Path | Should -Be 'system=api/table=users/dt=2025-01-1/a.csv'
        (Get-BronzeFileList 'system=api/table=users/dt=2025-01-1').Count | Should -Be 2
    }

    It 'lists one level with folders when -Recurse:$false' {
        $items = Get-BronzeFileList 'system=api/' -Recurse:$false
        $items.Path | Should -Be @('system=api/readme.txt', 'system=api/table=users/')
        ($items | Where-Object IsPrefix).Path | Should -Be 'system=api/table=users/'
    }

    It 'filters on the file name with wildcards' {
        (Get-BronzeFileList 'system=api/' -Filter '*.parquet').Path | Should -Be 'system=api/table=users/dt=2025-01-2/c.parquet'
    }

    It 'stops early with Select-Object -First' {
        @(Get-BronzeFileList -PageSize 1 | Select-Object -First 2).Count | Should -Be 2
    }

    It 'sorts and filters Size and LastModified as numbers and dates' {
        @(Get-BronzeFileList | Where-Object LastModified -lt (Get-Date).AddDays(1)).Count | Should -Be 4
        @(Get-BronzeFileList | Where-Object Size -gt 1000).Count | Should -Be 4
    }

    It 'shows a table with readable sizes' {
        $text = Get-BronzeFileList 'system=api/readme' | Format-Table | Out-String
        $text | Should -Match '2\.0 KiB'
        $text | Should -Match 'readme.txt'
    }
}

Describe 'Get-BronzeFile' {
    BeforeEach {
        Reset-Store
        $script:source = New-TestFile (Join-Path $root 'system=api/table=users/part-1.bin') -Size 100000 -Seed 7
    }
    AfterEach { Disconnect-BronzeStorage -All }

    It 'downloads one file to the local path given and outputs it' {
        $target = Join-Path $work 'copy.bin'
        $file = Get-BronzeFile 'system=api/table=users/part-1.bin' -Destination $target

        $file | Should -BeOfType [IO.FileInfo]
        $file.FullName | Should -Be $target
        (Get-FileHash $target).Hash | Should -Be (Get-FileHash $source).Hash
    }

    It 'keeps the remote layout under a destination folder' {
        $file = Get-BronzeFile 'system=api/table=users/part-1.bin' -Destination "$work/"
        $file.FullName | Should -Be (Join-Path $work 'system=api/table=users/part-1.bin')
    }

    It 'does not overwrite a local file without -Force' {
        $target = Join-Path $work 'exists.bin'
        Set-Content $target 'local data'
        Get-BronzeFile 'system=api/table=users/part-1.bin' -Destination $target -ErrorVariable errs -ErrorAction SilentlyContinue

        $errs[0].FullyQualifiedErrorId | Should -Be 'GetBronzeFileAlreadyExists,MedallionFoundry.Commands.GetBronzeFileCommand'
        Get-Content $target | Should -Be 'local data'

        Get-BronzeFile 'system=api/table=users/part-1.bin' -Destination $target -Force | Out-Null
        (Get-FileHash $target).Hash | Should -Be (Get-FileHash $source).Hash
    }

    It 'reports a missing remote file by path and writes nothing' {
        Get-BronzeFile 'system=api/nope.bin' -Destination "$work/" -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'GetBronzeFileNotFound,MedallionFoundry.Commands.GetBronzeFileCommand'
        $errs[0].TargetObject | Should -Be 'system=api/nope.bin'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        @(Get-ChildItem $work -Recurse -File).Count | Should -Be 0
    }

    It 'continues after one bad file in a pipeline' {
        $files = 'system=api/nope.bin', 'system=api/table=users/part-1.bin' | Get-BronzeFile -Destination $work -ErrorAction SilentlyContinue -ErrorVariable errs
        @($files).Count | Should -Be 1
        @($errs).Count | Should -Be 1
    }

    It 'outputs every file of a folder as Get-Item shows it (the provider is asked cheaply after the first)' {
        foreach ($name in 'b.bin', '[x] y.bin', 'c`d.bin', "e'f.bin") { [IO.File]::WriteAllBytes((Join-Path $root "system=api/table=users/$name"), [byte[]]::new(10)) }
        $files = @(Get-BronzeFileList system=api/ | Get-BronzeFile -Destination $work)

        $files.Count | Should -Be 5
        foreach ($file in $files) {
            $reference = Get-Item -LiteralPath $file.FullName
            @($file.psobject.Properties.Name | Sort-Object) | Should -Be @($reference.psobject.Properties.Name | Sort-Object) -Because $file.Name
            foreach ($property in 'PSPath', 'PSParentPath', 'PSChildName', 'PSDrive', 'PSProvider', 'PSIsContainer', 'UnixMode', 'Length') {
                "$($file.$property)" | Should -Be "$($reference.$property)" -Because "$($file.Name) $property"
            }
        }
    }
}

Describe 'Remove-BronzeFile' {
    BeforeEach {
        Reset-Store
        foreach ($p in 'keep/a.csv', 'del/a.csv', 'del/b.csv', 'del-sibling/c.csv') { New-TestFile (Join-Path $root $p) | Out-Null }
    }
    AfterEach { Disconnect-BronzeStorage -All }

    It 'removes the given file; a missing file is not an error' {
        Remove-BronzeFile 'del/a.csv'
        Remove-BronzeFile 'del/a.csv' -ErrorVariable errs
        @($errs).Count | Should -Be 0
        (Get-BronzeFileList del/).Path | Should -Be 'del/b.csv'
    }

    It 'removes nothing with -WhatIf' {
        Get-BronzeFileList | Remove-BronzeFile -WhatIf
        @(Get-BronzeFileList).Count | Should -Be 4
    }

    It 'rejects a path outside the prefix and removes the rest' {
        'del/a.csv', '../keep/a.csv' | Remove-BronzeFile -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'RemoveBronzeFileInvalidPath,MedallionFoundry.Commands.RemoveBronzeFileCommand'
        $errs[0].TargetObject | Should -Be '../keep/a.csv'
        (Get-BronzeFileList).Path | Should -Be @('del-sibling/c.csv', 'del/b.csv', 'keep/a.csv')
    }

    It 'refuses folders from a one-level listing' {
        Get-BronzeFileList -Recurse:$false | Remove-BronzeFile -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'RemoveBronzeFileIsFolder,MedallionFoundry.Commands.RemoveBronzeFileCommand'
        @(Get-BronzeFileList).Count | Should -Be 4
    }
}
